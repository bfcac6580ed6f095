import type { FilesTabMessage } from '../../realtime/files-messages.js';

/** How long a removed file can be brought back with Undo. */
export const UNDO_WINDOW_MS = 5000;
/**
 * The removal is sent this long after the Undo buttons go, so that an Undo pressed at the last
 * moment in another tab reaches this one first.
 */
const LATE_UNDO_MS = 500;
/** Another tab's removal is given up on this long after its window (that tab vanished without a word): the file shows again. */
const ABANDONED_AFTER_MS = 10_000;

export interface PendingRemoval {
  fileId: string;
  name: string;
  /** When the Undo window closes, in ms since the epoch (the tabs of a browser share the clock). */
  until: number;
  /** Started in this tab, which sends the removal; otherwise another tab's, shown here. */
  own: boolean;
}

export interface PendingRemovalsDeps {
  share: (message: FilesTabMessage) => void;
  /**
   * Removes the file on the server; `leaving` when the page is going away (the request must outlive
   * it). Resolves false when the file was not removed (and says why), so that it shows again.
   */
  removeNow: (fileId: string, name: string, leaving: boolean) => Promise<boolean>;
  showUndo: (removal: PendingRemoval) => void;
  hideUndo: (fileId: string) => void;
  now?: () => number;
}

/**
 * Removals that wait out their Undo window. A removed file leaves the list of every tab at once; the
 * tab where it was removed sends the removal when the window closes, unless a tab undid it first.
 * A tab that goes away sends its waiting removals at once (the person asked for them, and nobody
 * else would send them); the other tabs drop the file once `file.removed` arrives.
 */
export class PendingRemovals {
  private readonly pending = new Map<string, PendingRemoval>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly sending = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private hidden: ReadonlySet<string> = new Set();

  constructor(private readonly deps: PendingRemovalsDeps) {}

  /** The files whose rows are hidden while their removal waits or is under way. */
  readonly getHidden = (): ReadonlySet<string> => this.hidden;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  };

  /** This tab removes a file: hidden everywhere, Undo offered everywhere, sent when the window closes. */
  remove(fileId: string, name: string): void {
    if (this.pending.has(fileId)) return;
    const removal = { fileId, name, until: this.now() + UNDO_WINDOW_MS, own: true };
    this.add(removal);
    this.deps.share({ kind: 'removal', fileId, name, until: removal.until });
    this.timers.set(fileId, setTimeout(() => { void this.send(fileId, false); }, UNDO_WINDOW_MS + LATE_UNDO_MS));
  }

  /** Undo, from any tab: the file shows again everywhere and is not removed. */
  undo(fileId: string): void {
    if (!this.pending.has(fileId) || this.sending.has(fileId)) return;
    this.drop(fileId);
    this.deps.share({ kind: 'removal-undone', fileId });
  }

  receive(message: FilesTabMessage): void {
    switch (message.kind) {
      case 'removal':
        if (this.pending.has(message.fileId)) return;
        this.add({ fileId: message.fileId, name: message.name, until: message.until, own: false });
        this.timers.set(message.fileId, setTimeout(() => { this.drop(message.fileId); }, Math.max(0, message.until - this.now()) + ABANDONED_AFTER_MS));
        break;
      case 'removal-undone':
        if (!this.sending.has(message.fileId)) this.drop(message.fileId);
        break;
      case 'state-wanted':
        for (const removal of this.pending.values()) {
          if (removal.own) this.deps.share({ kind: 'removal', fileId: removal.fileId, name: removal.name, until: removal.until });
        }
        break;
      default:
        break;
    }
  }

  /** Forgets removals of files no longer listed (their `file.removed` arrived). */
  keepOnly(listed: ReadonlySet<string>): void {
    for (const fileId of [...this.pending.keys()]) if (!listed.has(fileId)) this.drop(fileId);
  }

  /** The page is going away: this tab's waiting removals are sent now. */
  leave(): void {
    for (const removal of [...this.pending.values()]) if (removal.own) void this.send(removal.fileId, true);
  }

  private async send(fileId: string, leaving: boolean): Promise<void> {
    const removal = this.pending.get(fileId);
    if (!removal?.own || this.sending.has(fileId)) return;
    clearTimeout(this.timers.get(fileId));
    this.timers.delete(fileId);
    this.sending.add(fileId);
    this.deps.hideUndo(fileId);
    const removed = await this.deps.removeNow(fileId, removal.name, leaving);
    this.sending.delete(fileId);
    this.drop(fileId);
    if (!removed) this.deps.share({ kind: 'removal-undone', fileId });
  }

  private add(removal: PendingRemoval): void {
    this.pending.set(removal.fileId, removal);
    this.deps.showUndo(removal);
    this.notifyChange();
  }

  private drop(fileId: string): void {
    if (!this.pending.delete(fileId)) return;
    clearTimeout(this.timers.get(fileId));
    this.timers.delete(fileId);
    this.deps.hideUndo(fileId);
    this.notifyChange();
  }

  private notifyChange(): void {
    this.hidden = new Set(this.pending.keys());
    for (const listener of this.listeners) listener();
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
