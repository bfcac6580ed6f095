import type { ServerResponse } from 'node:http';
import { INLINE_IMAGE_TYPES, type FileView } from '../../shared/files.js';

/** The disposition with the name twice: plain ASCII for old clients, UTF-8 (RFC 6266/8187) for the rest. */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** One satisfiable `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else serves the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || size === 0) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  const start = from === '' ? Math.max(0, size - Number(to)) : Number(from);
  const end = from === '' || to === '' ? size - 1 : Math.min(Number(to), size - 1);
  return start <= end && start < size ? { start, end } : undefined;
}

/**
 * The status and headers of a download (`range`: the part asked for, if any). Shown in the page
 * only when asked (`inline`) and only for the raster images the bytes proved to be; anything else
 * (SVG, HTML-as-text, …) is always a download, and nosniff keeps the browser to the stated type.
 */
export function describeDownload(res: ServerResponse, download: { file: FileView; size: number }, range: { start: number; end: number } | undefined, inline: boolean): void {
  const { file } = download;
  res.statusCode = range ? 206 : 200;
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Length', download.size);
  res.setHeader('Content-Disposition', contentDisposition(file.name, inline && INLINE_IMAGE_TYPES.has(file.contentType) ? 'inline' : 'attachment'));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Opened on its own, the file is a document of no origin that may run nothing.
  res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
  res.setHeader('Accept-Ranges', 'bytes');
  if (file.sha256) res.setHeader('ETag', `"${file.sha256}"`);
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
}
