/** Formats a byte count the way people read it: "25 MiB", "512 KiB", "1,000,000 bytes". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && Number.isInteger(value / 1024)) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes.toLocaleString('en-US')} bytes`;
  return `${value} ${units[unit] ?? 'bytes'}`;
}

/** An upload larger than it may be: refused before or while its bytes arrive (413). */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
  constructor(
    readonly maxBytes: number,
    message = `The file is larger than the upload limit of ${formatBytes(maxBytes)}. Choose a smaller file.`,
  ) {
    super(message);
  }
}

/**
 * An upload that does not fit in what is left of its session's storage quota. A kind of
 * FileTooLargeError, so that every layer answering "too large" answers this too (413).
 */
export class SessionStorageFullError extends FileTooLargeError {
  override name = 'SessionStorageFullError';
  constructor(quotaBytes: number, remainingBytes: number) {
    super(
      remainingBytes,
      remainingBytes === 0
        ? `This session's storage is full (${formatBytes(quotaBytes)}). Remove some files to make room, then upload again.`
        : `This session's storage is nearly full: only ${formatBytes(remainingBytes)} of its ${formatBytes(quotaBytes)} is left, and this file is larger. Remove some files to make room, or choose a smaller file.`,
    );
  }
}

/** Why an upload stopped before its body was whole: the client went away, or it went silent. */
export type InterruptionReason = 'client_aborted' | 'idle_timeout';

/** The client stopped sending before the body was complete. */
export class UploadInterruptedError extends Error {
  override name = 'UploadInterruptedError';
  readonly reason: InterruptionReason = 'client_aborted';
  constructor(message = 'The upload was interrupted before the whole file arrived. Please send it again.') {
    super(message);
  }
}

/** The client sent nothing for the upload idle timeout: the upload is ended so that it holds nothing. */
export class UploadIdleTimeoutError extends UploadInterruptedError {
  override name = 'UploadIdleTimeoutError';
  override readonly reason = 'idle_timeout';
  constructor(readonly idleMs: number) {
    super(`No data arrived for ${formatSeconds(idleMs)}, so the upload was stopped. Check the connection and send the file again.`);
  }
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
