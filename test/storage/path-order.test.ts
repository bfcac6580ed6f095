import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byParentInTurn, compareSegments } from '../../src/server/storage/path-order.js';

interface Tree { [name: string]: Tree | null }

/** The keys of a tree in the order a depth-first walk over name-sorted entries reaches them. */
function walkOrder(keys: readonly string[][]): string[][] {
  const root: Tree = {};
  for (const key of keys) {
    let node = root;
    key.forEach((segment, i) => {
      if (i === key.length - 1) node[segment] = null;
      else node = node[segment] ??= {};
    });
  }
  const walked: string[][] = [];
  const walk = (node: Tree, above: string[]) => {
    for (const name of Object.keys(node).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const child = node[name];
      if (child === null || child === undefined) walked.push([...above, name]);
      else walk(child, [...above, name]);
    }
  };
  walk(root, []);
  return walked;
}

/** Keys as a store holds them: no key is a directory on the path of another. */
const treeKeys = fc
  // Names around '/' (0x2f) in code-point order: '-' and '.' sort before it, '0' and letters after.
  .uniqueArray(fc.array(fc.constantFrom('a', 'b', 'a-b', 'a.b', 'a0', 'ab', '-', 'A'), { minLength: 1, maxLength: 3 }), { selector: (key) => key.join('/'), maxLength: 12 })
  .map((keys) => keys.filter((key) => !keys.some((other) => other.length > key.length && key.every((segment, i) => other[i] === segment))));

describe('compareSegments', () => {
  it('orders keys as a depth-first walk reaches them, not as their text sorts', () => {
    // As text 'a-b' < 'a/b' ('-' is below '/'); the walk reaches directory 'a' before the name 'a-b'.
    expect(compareSegments(['a', 'b'], ['a-b'])).toBeLessThan(0);
    expect(compareSegments(['a'], ['a', 'b'])).toBeLessThan(0);
    expect(compareSegments(['a', 'b'], ['a', 'b'])).toBe(0);
  });

  it('sorts any set of keys into the walk order', () => {
    fc.assert(fc.property(treeKeys, (keys) => {
      expect([...keys].sort(compareSegments)).toEqual(walkOrder(keys));
    }));
  });

  it('is antisymmetric', () => {
    fc.assert(fc.property(treeKeys, (keys) => {
      for (const a of keys) for (const b of keys) expect(Math.sign(compareSegments(a, b))).toBe(-Math.sign(compareSegments(b, a)) || 0);
    }));
  });
});

describe('byParentInTurn', () => {
  it('takes one path of each parent directory in turn', () => {
    expect(byParentInTurn(['/d1/a', '/d1/b', '/d1/c', '/d2/x', '/d2/y', '/d3/z'])).toEqual(['/d1/a', '/d2/x', '/d3/z', '/d1/b', '/d2/y', '/d1/c']);
  });

  it('keeps the order when there is nothing to interleave', () => {
    expect(byParentInTurn(['/d/b', '/d/a'])).toEqual(['/d/b', '/d/a']);
    expect(byParentInTurn(['/d2/a', '/d1/a'])).toEqual(['/d2/a', '/d1/a']);
    expect(byParentInTurn([])).toEqual([]);
  });

  it("reorders without losing a path or a parent's own order, never two turns ahead of another parent", () => {
    const paths = fc.uniqueArray(fc.tuple(fc.constantFrom('/r/a', '/r/b', '/r/c/d', '/s'), fc.integer({ min: 0, max: 20 })).map(([dir, n]) => `${dir}/${n}`), { maxLength: 40 });
    fc.assert(fc.property(paths, (input) => {
      const output = byParentInTurn(input);
      expect([...output].sort()).toEqual([...input].sort());
      const byParent = (list: readonly string[], parent: string) => list.filter((item) => path.dirname(item) === parent);
      const parents = [...new Set(input.map((item) => path.dirname(item)))];
      for (const parent of parents) expect(byParent(output, parent)).toEqual(byParent(input, parent));
      const taken = new Map<string, number>(parents.map((parent) => [parent, 0]));
      for (const item of output) {
        const parent = path.dirname(item);
        taken.set(parent, (taken.get(parent) ?? 0) + 1);
        const waiting = parents.filter((other) => (taken.get(other) ?? 0) < byParent(input, other).length);
        for (const other of waiting) expect(taken.get(parent) ?? 0).toBeLessThanOrEqual((taken.get(other) ?? 0) + 1);
      }
    }));
  });
});
