import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { fileTypeStream } from 'file-type';

/** What the bytes of a file are, read from the bytes themselves: the declared type is never trusted. */
export interface ContentInspection {
  /** The type its magic bytes show, or a plain fallback (UTF-8 text, or octet-stream). */
  contentType: string;
  /** The extension that goes with the detected type, if a type was detected. */
  extension: string | null;
  sha256: string;
  size: number;
  /** Set when the bytes are a program (or a script with a #! line): the reason in words. */
  executable: string | null;
}

/** How much of the start of a file type detection reads: enough for container formats' first entries. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * Programs, installers and the formats that launch them, by file-type's name for them: refused,
 * whatever the file is called. (An MSI installer reads as "cfb", the container old Office
 * documents share, so it cannot be told apart here; the stored name's extension keeps it inert.)
 */
const EXECUTABLE_TYPES: Record<string, string> = {
  exe: 'a Windows program (PE)',
  elf: 'a Linux/Unix program (ELF)',
  macho: 'a macOS program (Mach-O)',
  class: 'a Java class file',
  jar: 'a Java archive',
  apk: 'an Android package',
  wasm: 'a WebAssembly module',
  lnk: 'a Windows shortcut',
  crx: 'a browser extension',
  xpi: 'a browser extension',
  deb: 'a Debian package',
  rpm: 'an RPM package',
  reg: 'a Windows registry file',
  chm: 'a compiled help file',
  dmg: 'a macOS disk image (installer)',
  alias: 'a macOS alias (a shortcut)',
  asar: 'an Electron application archive',
};

/**
 * Whether the sample is UTF-8 text. A sample cut from a longer file may end inside a character,
 * so there (only) an unfinished last character is let through; any byte that UTF-8 forbids is not.
 */
function isUtf8Text(sample: Buffer, cut: boolean): boolean {
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: cut });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the stream once: detects the type from the first bytes (file-type), hashes every byte
 * (SHA-256) and counts them. Memory stays at the sample size whatever the file's size.
 */
export async function inspectContent(body: Readable): Promise<ContentInspection> {
  const typed = await fileTypeStream(body, { sampleSize: SAMPLE_BYTES });
  const hash = createHash('sha256');
  let size = 0;
  let sample = Buffer.alloc(0);
  for await (const chunk of typed as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
    if (sample.length < SAMPLE_BYTES) sample = Buffer.concat([sample, chunk.subarray(0, SAMPLE_BYTES - sample.length)]);
  }
  const detected = typed.fileType;
  const executable = detected
    ? (EXECUTABLE_TYPES[detected.ext] ?? null)
    : sample.subarray(0, 2).toString('latin1') === '#!'
      ? 'a script with a #! interpreter line'
      : null;
  const text = !detected && isUtf8Text(sample, size > sample.length);
  return {
    contentType: detected?.mime ?? (text ? 'text/plain; charset=utf-8' : 'application/octet-stream'),
    extension: detected?.ext ?? (text ? 'txt' : null),
    sha256: hash.digest('hex'),
    size,
    executable,
  };
}
