import path from 'node:path';

/** Orders keys segment by segment: the order of a depth-first walk over sorted directory entries. */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * `paths` reordered to take one of each parent directory in turn: removals that run at once then
 * fall in different directories instead of queueing on one directory's lock.
 */
export function byParentInTurn(paths: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const item of paths) {
    const parent = path.dirname(item);
    const group = groups.get(parent);
    if (group) group.push(item);
    else groups.set(parent, [item]);
  }
  if (groups.size <= 1 || groups.size === paths.length) return [...paths];
  const lists = [...groups.values()];
  const ordered: string[] = [];
  for (let round = 0; ordered.length < paths.length; round += 1) {
    for (const list of lists) {
      const item = list[round];
      if (item !== undefined) ordered.push(item);
    }
  }
  return ordered;
}
