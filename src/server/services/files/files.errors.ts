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

/**
 * A client's uploads, across all its sessions, passed UPLOAD_BYTES_PER_CLIENT_PER_DAY. Answered 429,
 * not 413: the budget is counted over a time window, so the same file goes through once the window
 * has passed, which is what 429 and its Retry-After say; 413 would say the file itself is too large.
 */
export class ClientUploadBudgetError extends Error {
  override name = 'ClientUploadBudgetError';
  constructor(
    readonly budgetBytes: number,
    readonly remainingBytes: number,
    readonly retryAfterSeconds: number,
  ) {
    const wait = formatWait(retryAfterSeconds);
    super(
      remainingBytes === 0
        ? `Your network has uploaded its ${formatBytes(budgetBytes)} for the day; try again in ${wait}.`
        : `Your network has only ${formatBytes(remainingBytes)} left of its ${formatBytes(budgetBytes)} of uploads for the day, and this file is larger. Choose a smaller file, or try again in ${wait}.`,
    );
  }
}

/** The local disk is down to its free-space floor (STORAGE_MIN_FREE_BYTES): answered 507. */
export class InsufficientStorageError extends Error {
  override name = 'InsufficientStorageError';
  constructor() {
    super('The server is running out of disk space, so it cannot take this file now. Please try again later; if it keeps happening, tell the site’s operator.');
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

/** A wait as people say it, rounded up: "5 h", "12 min", "30 s". */
function formatWait(seconds: number): string {
  if (seconds >= 3600) return `${Math.ceil(seconds / 3600)} h`;
  if (seconds >= 60) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.max(1, Math.ceil(seconds))} s`;
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
