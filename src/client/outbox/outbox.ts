import type { MessageView } from '../../shared/chat.js';
import { isUuid } from '../../shared/session-id.js';
import { reconnectDelayMs } from '../api/backoff.js';
import { classifyFailure } from '../api/failure.js';
import type { StoredValue } from '../session/session-id-store.js';

export interface OutboxEntry {
  clientMessageId: string;
  text: string;
  fileIds: string[];
  /** When it was written (ms since the epoch). */
  queuedAt: number;
  /**
   * Why the server did not take it. With `retryAt` (a 429) it goes again by itself then, and the
   * messages after it wait; without, the person decides (retry or delete) and the others go on.
   */
  failure?: { reason: string; retryAt?: number };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An entry as another tab (or an earlier version of the app) stored it, checked by hand: the
 * outbox loads with the first script, which must not bring a schema library with it.
 */
function isEntry(value: unknown): value is OutboxEntry {
  if (!isRecord(value)) return false;
  const { clientMessageId, text, fileIds, queuedAt, failure } = value;
  if (typeof clientMessageId !== 'string' || !isUuid(clientMessageId) || typeof text !== 'string' || typeof queuedAt !== 'number') return false;
  if (!Array.isArray(fileIds) || !fileIds.every((id) => typeof id === 'string')) return false;
  if (failure === undefined) return true;
  return isRecord(failure) && typeof failure.reason === 'string' && (failure.retryAt === undefined || typeof failure.retryAt === 'number');
}

/** What a person is told about a message the server asked to wait with; the wait itself is shown counting down. */
export const RATE_LIMITED_REASON = 'Not sent yet: too many messages in a short time.';

export interface OutboxOptions {
  sessionId: string;
  /** Where the entries are kept between reloads (per session; shared by the browser's tabs when it is localStorage). */
  store: StoredValue;
  /** Sends one message with its clientMessageId; the server stores a resent one once. */
  send: (sessionId: string, entry: OutboxEntry) => Promise<MessageView>;
  /** The server answered with the stored message: show it where the conversation is kept. */
  onSent: (message: MessageView) => void;
  /** Runs `operation` while no other tab of this browser runs one under `name` (Web Locks). */
  exclusively: (name: string, operation: () => Promise<void>) => Promise<void>;
  now?: () => number;
  newId?: () => string;
}

/** The storage key of a session's outbox. */
export function outboxKey(sessionId: string): string {
  return `tabsync.outbox.${sessionId}`;
}

/** What waits in a session's outbox, read without sending anything (the start-up screen shows it). */
export function readOutbox(store: StoredValue): OutboxEntry[] {
  return parseEntries(store.read());
}

function parseEntries(text: string | null): OutboxEntry[] {
  if (text === null) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every(isEntry) ? parsed : [];
  } catch {
    return [];
  }
}

type Step = { kind: 'send'; entry: OutboxEntry } | { kind: 'wait'; until: number } | { kind: 'done' };

/**
 * Messages written but not yet stored by the server, in the order they were written. A message
 * joins at once (shown as pending), is kept across reloads, and is sent when the server can be
 * reached, one at a time and in order, each with its clientMessageId: the server stores a message
 * it already has once, so sending again after a lost answer (or from two tabs at once, in a
 * browser without Web Locks) is safe. An entry leaves only once the server answered it.
 */
export class Outbox {
  private entries: readonly OutboxEntry[];
  private readonly listeners = new Set<() => void>();
  private draining: Promise<void> | null = null;
  private drainAgain = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private outageAttempts = 0;
  private running = false;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly opts: OutboxOptions) {
    this.now = opts.now ?? Date.now;
    this.newId = opts.newId ?? (() => crypto.randomUUID());
    this.entries = parseEntries(opts.store.read());
  }

  /** The entries as last read, oldest first: the same array until they change (for useSyncExternalStore). */
  readonly snapshot = (): readonly OutboxEntry[] => this.entries;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  };

  /** Starts sending what is waiting (also what an earlier visit left). */
  start(): void {
    this.running = true;
    this.resume();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Queues a message and sends it as soon as it can go. */
  add(text: string, fileIds: readonly string[] = []): OutboxEntry {
    const entry: OutboxEntry = { clientMessageId: this.newId(), text, fileIds: [...fileIds], queuedAt: this.now() };
    this.change((entries) => [...entries, entry]);
    void this.flush();
    return entry;
  }

  /** Sends a refused message again, now. */
  retry(clientMessageId: string): void {
    this.change((entries) => entries.map((entry) => (entry.clientMessageId === clientMessageId ? { ...entry, failure: undefined } : entry)));
    this.resume();
  }

  /** Drops a message that has not been stored (one already on its way may still arrive). */
  remove(clientMessageId: string): void {
    this.change((entries) => entries.filter((entry) => entry.clientMessageId !== clientMessageId));
    void this.flush();
  }

  /** The connection is back (or something else changed): try at once rather than after the backoff. */
  resume(): void {
    this.outageAttempts = 0;
    clearTimeout(this.timer);
    void this.flush();
  }

  /** Another tab changed the stored entries. */
  reload(): void {
    this.show(parseEntries(this.opts.store.read()));
    void this.flush();
  }

  /** Sends what can go now; a call while sending makes the running one look again before it stops. */
  flush(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = this.opts
      .exclusively(outboxKey(this.opts.sessionId), () => this.drain())
      .finally(() => {
        this.draining = null;
        if (this.drainAgain) void this.flush();
      });
    return this.draining;
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.drainAgain = false;
      if (!this.running) return;
      // Read afresh each time: another tab may have sent, added or deleted meanwhile.
      const step = this.nextStep(this.read());
      if (step.kind === 'done') return;
      if (step.kind === 'wait') {
        this.retryIn(step.until - this.now());
        return;
      }
      if (!(await this.sendOne(step.entry))) return;
    }
  }

  private nextStep(entries: readonly OutboxEntry[]): Step {
    for (const entry of entries) {
      if (!entry.failure) return { kind: 'send', entry };
      const { retryAt } = entry.failure;
      if (retryAt === undefined) continue; // refused: the person decides, the messages after it go on
      // Rate limited: it goes first when the wait is over, and the messages after it wait with it.
      return retryAt <= this.now() ? { kind: 'send', entry } : { kind: 'wait', until: retryAt };
    }
    return { kind: 'done' };
  }

  /** Sends one entry; says whether the next one may go now. */
  private async sendOne(entry: OutboxEntry): Promise<boolean> {
    let message: MessageView;
    try {
      message = await this.opts.send(this.opts.sessionId, entry);
    } catch (error) {
      return this.handleSendFailure(entry, error);
    }
    this.outageAttempts = 0;
    // Shown in the conversation before it leaves the outbox, so it never blinks out.
    this.opts.onSent(message);
    this.change((entries) => entries.filter((e) => e.clientMessageId !== entry.clientMessageId));
    return true;
  }

  private handleSendFailure(entry: OutboxEntry, error: unknown): boolean {
    const failure = classifyFailure(error);
    switch (failure.kind) {
      case 'unavailable':
        // Still pending: it goes when the server answers again (or the connection says it is back).
        this.retryIn(reconnectDelayMs(this.outageAttempts));
        this.outageAttempts += 1;
        return false;
      case 'rate_limited': {
        const retryAt = this.now() + Math.max(1, failure.retryAfterSeconds) * 1000;
        this.markFailed(entry, { reason: RATE_LIMITED_REASON, retryAt });
        this.retryIn(retryAt - this.now());
        return false;
      }
      case 'refused':
        this.markFailed(entry, { reason: `Not sent. ${failure.message}` });
        return true;
      case 'session_denied':
        // The session layer hears of it too and leaves the session; nothing more can go to it.
        this.markFailed(entry, { reason: `Not sent. ${failure.message}` });
        return false;
    }
  }

  private retryIn(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { void this.flush(); }, Math.max(0, ms));
  }

  private markFailed(target: OutboxEntry, failure: NonNullable<OutboxEntry['failure']>): void {
    this.change((entries) => entries.map((entry) => (entry.clientMessageId === target.clientMessageId ? { ...entry, failure } : entry)));
  }

  private read(): OutboxEntry[] {
    const entries = parseEntries(this.opts.store.read());
    this.show(entries);
    return entries;
  }

  /** Changes the stored entries as they are now (another tab may have changed them), and shows the result. */
  private change(update: (entries: readonly OutboxEntry[]) => OutboxEntry[]): void {
    const next = update(parseEntries(this.opts.store.read()));
    this.opts.store.write(next.length > 0 ? JSON.stringify(next) : null);
    this.show(next);
  }

  private show(entries: readonly OutboxEntry[]): void {
    if (JSON.stringify(entries) === JSON.stringify(this.entries)) return;
    this.entries = entries;
    for (const listener of this.listeners) listener();
  }
}
