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

/** An upload larger than MAX_UPLOAD_BYTES: refused before or while its bytes arrive. */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The file is larger than the upload limit of ${formatBytes(maxBytes)}. Choose a smaller file.`);
  }
}

/** The client stopped sending before the body was complete. */
export class UploadInterruptedError extends Error {
  override name = 'UploadInterruptedError';
  constructor() {
    super('The upload was interrupted before the whole file arrived. Please send it again.');
  }
}
