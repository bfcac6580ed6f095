import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingRemovals, UNDO_WINDOW_MS } from '../../src/client/components/files/pending-removals.js';
import type { FilesTabMessage } from '../../src/client/realtime/files-messages.js';

/**
 * Tabs of one browser with their removals, joined by a channel that delivers each message to
 * every other tab at once. `removed` is what reached the server; `answer` decides its outcome.
 */
function browser(tabCount: number, answer: () => boolean = () => true) {
  const removed: { fileId: string; leaving: boolean }[] = [];
  const undoShown: Set<string>[] = [];
  const tabs: PendingRemovals[] = [];
  /** Opens one more tab on the channel. */
  const open = (): PendingRemovals => {
    const shown = new Set<string>();
    undoShown.push(shown);
    const tab: PendingRemovals = new PendingRemovals({
      share: (message: FilesTabMessage) => { for (const other of tabs) if (other !== tab) other.receive(message); },
      removeNow: (fileId, _name, leaving) => {
        removed.push({ fileId, leaving });
        return Promise.resolve(answer());
      },
      showUndo: (removal) => { shown.add(removal.fileId); },
      hideUndo: (fileId) => { shown.delete(fileId); },
    });
    tabs.push(tab);
    return tab;
  };
  for (let index = 0; index < tabCount; index += 1) open();
  return { tabs, removed, undoShown, open };
}

describe('removals waiting for Undo, across the tabs of a browser', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('hides the file and offers Undo in every tab, and removes it once, from the tab it was removed in, after the window', async () => {
    const { tabs, removed, undoShown } = browser(3);
    const fileId = randomUUID();
    tabs[1]?.remove(fileId, 'x.png');
    for (const tab of tabs) expect(tab.getHidden().has(fileId)).toBe(true);
    for (const shown of undoShown) expect(shown.has(fileId)).toBe(true);

    await vi.advanceTimersByTimeAsync(UNDO_WINDOW_MS - 1);
    expect(removed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(removed).toEqual([{ fileId, leaving: false }]);
    // The list drops the file when file.removed arrives; until then it stays hidden.
    expect(tabs[0]?.getHidden().has(fileId)).toBe(true);
    tabs[0]?.keepOnly(new Set());
    expect(tabs[0]?.getHidden().has(fileId)).toBe(false);
  });

  it('keeps the file when any tab presses Undo within the window, in every tab', async () => {
    const { tabs, removed, undoShown } = browser(2);
    const fileId = randomUUID();
    tabs[0]?.remove(fileId, 'x.png');
    await vi.advanceTimersByTimeAsync(UNDO_WINDOW_MS - 100);
    tabs[1]?.undo(fileId);
    for (const tab of tabs) expect(tab.getHidden().has(fileId)).toBe(false);
    for (const shown of undoShown) expect(shown.has(fileId)).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(removed).toEqual([]);
  });

  it('sends the removal at once when its tab goes away before the window ends', async () => {
    const { tabs, removed } = browser(2);
    const fileId = randomUUID();
    tabs[0]?.remove(fileId, 'x.png');
    tabs[1]?.leave();
    expect(removed).toEqual([]);
    tabs[0]?.leave();
    await vi.advanceTimersByTimeAsync(0);
    expect(removed).toEqual([{ fileId, leaving: true }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(removed).toHaveLength(1);
  });

  it('shows the file again in every tab when the removal fails', async () => {
    const { tabs, removed } = browser(2, () => false);
    const fileId = randomUUID();
    tabs[0]?.remove(fileId, 'x.png');
    await vi.advanceTimersByTimeAsync(UNDO_WINDOW_MS + 1000);
    expect(removed).toHaveLength(1);
    for (const tab of tabs) expect(tab.getHidden().has(fileId)).toBe(false);
  });

  it('shows the file again in the other tabs when the tab that removed it vanished without a word', async () => {
    const { tabs } = browser(2);
    const fileId = randomUUID();
    // Only the others hear of it: the first tab is gone (crashed) before its window ends.
    tabs[1]?.receive({ kind: 'removal', fileId, name: 'x.png', until: Date.now() + UNDO_WINDOW_MS });
    expect(tabs[1]?.getHidden().has(fileId)).toBe(true);
    await vi.advanceTimersByTimeAsync(UNDO_WINDOW_MS + 10_000);
    expect(tabs[1]?.getHidden().has(fileId)).toBe(false);
  });

  it('tells a tab opened during the window which removals wait, when it asks', () => {
    const { tabs, open } = browser(1);
    const fileId = randomUUID();
    tabs[0]?.remove(fileId, 'x.png');
    const late = open();
    expect(late.getHidden().has(fileId)).toBe(false);
    // What a newly opened tab's files panel sends.
    tabs[0]?.receive({ kind: 'state-wanted' });
    expect(late.getHidden().has(fileId)).toBe(true);
  });
});
