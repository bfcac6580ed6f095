import { safeFileName, splitExtension } from '../../storage/keys.js';

/** Extensions that name the same type as file-type's (which says "jpg", "tif", …). */
const EXTENSION_ALIASES: Record<string, string> = { jpeg: 'jpg', jpe: 'jpg', tiff: 'tif', mpeg: 'mpg', oga: 'ogg' };
/**
 * Text under these extensions is opened as data by every system. Any other text keeps no
 * extension of its own: `.js`, `.bat`, `.ps1`, `.py`, `.html` and the like run (or render
 * scripts) when opened, and text is all their bytes ever show.
 */
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'md', 'markdown', 'csv', 'tsv', 'json', 'log', 'yaml', 'yml', 'toml']);
/** What bytes of no recognised type are called: nothing opens them by default. */
const UNKNOWN_EXTENSION = 'bin';

/**
 * The name a file is stored under: the client's name with the extension its bytes earn, so that
 * opening the downloaded file can never run it. `detected` is the extension of the type read from
 * the bytes ("png", "txt" for UTF-8 text) or null when no type was recognised.
 */
export function storedName(name: string, detected: string | null): string {
  const { stem, extension } = splitExtension(name);
  const current = extension?.toLowerCase();
  const earned = detected ?? UNKNOWN_EXTENSION;
  if (current !== undefined && (current === earned || EXTENSION_ALIASES[current] === earned)) return name;
  if (earned === 'txt' && current !== undefined && TEXT_EXTENSIONS.has(current)) return name;
  return safeFileName(`${stem}.${earned}`);
}

/**
 * Why a file stored as `stored` was uploaded as `uploaded`, in words for its row: the two names'
 * extensions differ, and `contentType` is the type its bytes showed.
 */
export function renameReason(uploaded: string, stored: string, contentType: string): string {
  const from = splitExtension(uploaded).extension;
  const to = splitExtension(stored).extension ?? UNKNOWN_EXTENSION;
  if (to === UNKNOWN_EXTENSION) {
    const claim = from ? `not .${from} or any other type recognised here` : 'of no type recognised here';
    return `its bytes are ${claim}, so it is kept as .${UNKNOWN_EXTENSION}, which opens nothing by itself.`;
  }
  if (contentType.startsWith('text/plain')) {
    return from
      ? `its bytes are text, kept as .${to} so that opening it never runs or renders it (as .${from} could).`
      : `its bytes are text, so it is kept as .${to}.`;
  }
  const type = contentType.split(';')[0] ?? contentType;
  return from ? `its bytes are ${type}, not .${from}, so it is kept as .${to}.` : `its bytes are ${type}, so it is kept as .${to}.`;
}
