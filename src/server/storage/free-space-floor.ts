import { statfs } from 'node:fs/promises';
import path from 'node:path';

/** Whether the store can take an upload without running its disk down (S3 has no such limit). */
export interface StorageCapacity {
  hasRoomFor(bytes: number): Promise<boolean>;
}

/** The bytes free on a disk, as an unprivileged process may use them. */
export type FreeBytesReader = () => Promise<number>;

/** How long one reading of the free space serves: uploads arriving together share it. */
const READING_TTL_MS = 1000;

/**
 * The free bytes of the filesystem holding `directory`, read with statfs (blocks free to an
 * unprivileged user, as `df` shows them). Until the store's first write makes `directory`, its
 * nearest existing parent is read: the same filesystem, unless a mount sits in between.
 */
export function statfsFreeBytes(directory: string): FreeBytesReader {
  return async () => {
    for (let current = path.resolve(directory); ; current = path.dirname(current)) {
      try {
        const stats = await statfs(current);
        return stats.bavail * stats.bsize;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(current) === current) throw error;
      }
    }
  };
}

/**
 * The local disk's free-space floor (STORAGE_MIN_FREE_BYTES): an upload whose bytes would take the
 * free space below it is refused, so that uploads cannot fill the disk the database and logs share.
 * Readings are kept for a second, so a burst of uploads stats the disk once.
 */
export class FreeSpaceFloor implements StorageCapacity {
  private reading: { at: number; free: Promise<number> } | undefined;

  constructor(
    private readonly opts: {
      minFreeBytes: number;
      readFreeBytes: FreeBytesReader;
      now?: () => number;
    },
  ) {}

  async hasRoomFor(bytes: number): Promise<boolean> {
    return (await this.freeBytes()) - bytes >= this.opts.minFreeBytes;
  }

  private freeBytes(): Promise<number> {
    const now = (this.opts.now ?? Date.now)();
    if (!this.reading || now - this.reading.at >= READING_TTL_MS) {
      const free = this.opts.readFreeBytes();
      // A failed reading is not kept: the next upload reads again.
      free.catch(() => { if (this.reading?.free === free) this.reading = undefined; });
      this.reading = { at: now, free };
    }
    return this.reading.free;
  }
}
