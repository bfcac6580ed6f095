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
