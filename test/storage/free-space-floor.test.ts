import { mkdtemp, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStorageCapacity } from '../../src/server/storage/create-object-store.js';
import { FreeSpaceFloor, statfsFreeBytes } from '../../src/server/storage/free-space-floor.js';

const MiB = 1024 * 1024;

/** A disk whose free space the test sets, read through a counter (fault injection: a fake free-space reading). */
function fakeDisk(free: number) {
  const disk = { free, reads: 0, fail: false };
  const read = () => {
    disk.reads += 1;
    return disk.fail ? Promise.reject(new Error('EIO')) : Promise.resolve(disk.free);
  };
  return { disk, read };
}

describe('the free-space floor (fault injection: a fake free-space reading)', () => {
  it('has room for what leaves the floor free, and none for a byte more', async () => {
    const { read } = fakeDisk(10 * MiB);
    const floor = new FreeSpaceFloor({ minFreeBytes: 8 * MiB, readFreeBytes: read });
    expect(await floor.hasRoomFor(2 * MiB)).toBe(true);
    expect(await floor.hasRoomFor(2 * MiB + 1)).toBe(false);
    expect(await floor.hasRoomFor(0)).toBe(true);
  });

  it('reads the disk once a second however many uploads ask, and again after', async () => {
    const { disk, read } = fakeDisk(10 * MiB);
    let now = 0;
    const floor = new FreeSpaceFloor({ minFreeBytes: 8 * MiB, readFreeBytes: read, now: () => now });
    await Promise.all([floor.hasRoomFor(1), floor.hasRoomFor(1), floor.hasRoomFor(1)]);
    disk.free = 0;
    now = 999;
    expect(await floor.hasRoomFor(1)).toBe(true);
    expect(disk.reads).toBe(1);
    now = 1000;
    expect(await floor.hasRoomFor(1)).toBe(false);
    expect(disk.reads).toBe(2);
  });

  it('keeps no failed reading: the next upload reads again', async () => {
    const { disk, read } = fakeDisk(10 * MiB);
    const floor = new FreeSpaceFloor({ minFreeBytes: 8 * MiB, readFreeBytes: read, now: () => 0 });
    disk.fail = true;
    await expect(floor.hasRoomFor(1)).rejects.toThrow('EIO');
    disk.fail = false;
    expect(await floor.hasRoomFor(1)).toBe(true);
    expect(disk.reads).toBe(2);
  });

  it('is there for the local store only, and not at all when STORAGE_MIN_FREE_BYTES is 0', () => {
    const read = () => Promise.resolve(0);
    expect(createStorageCapacity({ dataDir: '/data', storageMinFreeBytes: MiB }, { kind: 'local' }, read)).toBeInstanceOf(FreeSpaceFloor);
    expect(createStorageCapacity({ dataDir: '/data', storageMinFreeBytes: MiB }, { kind: 's3' }, read)).toBeUndefined();
    expect(createStorageCapacity({ dataDir: '/data', storageMinFreeBytes: 0 }, { kind: 'local' }, read)).toBeUndefined();
  });
});

describe('statfsFreeBytes', () => {
  it('reads the real disk, through the nearest existing parent until the objects directory is made', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tabsync-statfs-'));
    try {
      const stats = await statfs(dir);
      const free = await statfsFreeBytes(path.join(dir, 'objects', 'not-yet'))();
      // Other processes write to the same disk meanwhile: the reading is the disk's, give or take.
      expect(Math.abs(free - stats.bavail * stats.bsize)).toBeLessThan(512 * MiB);
      expect(free).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
