import { restErrorBodySchema } from '../../shared/errors.js';
import { uploadResultSchema, type UploadResult } from '../../shared/files.js';
import { FILES_PATH } from '../../shared/paths.js';

/**
 * A refused upload: the server's own words, with its status (413 too large, 429 wait: too many
 * uploads, or the network's bytes for the day spent, 507 the server's disk is nearly full, 400
 * refused type; 0: no answer).
 */
export class UploadError extends Error {
  override name = 'UploadError';
  constructor(message: string, readonly status: number, readonly retryAfterSeconds?: number) {
    super(message);
  }

  /**
   * Whether sending the same file again may succeed: by itself once the connection is back (no
   * answer came), on request (the server was busy, timed out or failed), or never (the file or the
   * session was refused, so it would be again).
   */
  get retry(): 'when-online' | 'now' | null {
    if (this.status === 0) return 'when-online';
    if (this.status === 408 || this.status === 429 || this.status >= 500) return 'now';
    return null;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What to say when the answer is not the server's own words (a proxy's error page): what its status means. */
function fallbackMessage(status: number): string {
  if (status === 429) return 'Too many uploads from your network. Please wait a while, then try again.';
  if (status === 507) return 'The server has no room for this file right now. Please try again later.';
  return `The upload failed (HTTP ${status}). Please try again.`;
}

function failureOf(xhr: XMLHttpRequest): UploadError {
  const parsed = restErrorBodySchema.safeParse(safeJson(xhr.responseText));
  if (parsed.success) return new UploadError(parsed.data.error.message, xhr.status, parsed.data.error.retryAfterSeconds);
  return new UploadError(fallbackMessage(xhr.status), xhr.status);
}

/**
 * Sends the file's raw bytes, streamed by the browser, with its cookie. XHR rather than fetch:
 * only XHR reports upload progress. Resolves once the server has staged the bytes; what happens
 * next (stored, failed) arrives as events.
 */
export function uploadFile(
  sessionId: string,
  file: File,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new DOMException('The upload was cancelled.', 'AbortError')); return; }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${FILES_PATH}?${new URLSearchParams({ sessionId, name: file.name }).toString()}`);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => { onProgress(event.loaded, event.lengthComputable ? event.total : file.size); };
    xhr.onload = () => {
      const result = xhr.status >= 200 && xhr.status < 300 ? uploadResultSchema.safeParse(safeJson(xhr.responseText)) : undefined;
      if (result?.success) {
        onProgress(file.size, file.size);
        resolve(result.data);
      } else {
        reject(failureOf(xhr));
      }
    };
    xhr.onerror = () => { reject(new UploadError('The upload stopped: the server could not be reached. Check your connection and try again.', 0)); };
    xhr.onabort = () => { reject(new DOMException('The upload was cancelled.', 'AbortError')); };
    signal?.addEventListener('abort', () => { xhr.abort(); }, { once: true });
    xhr.send(file);
  });
}
