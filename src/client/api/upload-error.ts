/*
 * Apart from upload.ts so that the files panel can tell a refusal from a dropped connection
 * without loading the upload code (and its schemas) before the first upload.
 */

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
