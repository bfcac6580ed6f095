import { BroadcastChannel, createLeaderElection, type BroadcastChannelOptions, type LeaderElector } from 'broadcast-channel';
import { compareEventIds } from '../../shared/event-id.js';
import type { SessionEvent } from '../../shared/events.js';
import type { SessionView } from '../../shared/session.js';
import { reconnectDelayMs } from '../api/backoff.js';
import type { ConnectionStatus } from '../api/trpc-client.js';
import type { EventSource, SubscriptionEnd } from './event-source.js';
import type { FilesChannel, FilesTabMessage } from './files-messages.js';

/** What the tab that changed the session knows of it, so that the others need not ask the server. */
export interface SessionNote {
  session: SessionView;
  cause: 'started' | 'reset';
}

/** A final end of a session's subscription: every tab of the browser hears it. */
export type SessionRefusal = Extract<SubscriptionEnd, { kind: 'denied' | 'refused' }>;

/** What tabs of one browser tell each other. */
type TabMessage =
  | { kind: 'event'; sessionId: string; id: string; event: SessionEvent }
  | { kind: 'session'; sessionId: string | null; note?: SessionNote }
  | { kind: 'status'; status: ConnectionStatus }
  | { kind: 'refused'; sessionId: string; refusal: SessionRefusal }
  | { kind: 'reconnect' }
  | { kind: 'files'; sessionId: string; message: FilesTabMessage }
  /** A tab that just opened asks how the browser's connection is; the leader answers. */
  | { kind: 'status-wanted' };

export interface TabHubOptions {
  source: EventSource;
  channelName?: string;
  /** broadcast-channel's options: it picks native BroadcastChannel, IndexedDB or localStorage events. */
  channelOptions?: BroadcastChannelOptions;
}

type Listener<T> = (value: T) => void;

/**
 * The same-browser layer. One tab, elected leader (Web Locks where the browser has them), holds
 * the browser's only WebSocket and relays each event to the other tabs. Every tab remembers the
 * last event id it saw, so whichever takes over when the leader closes resumes from there and
 * nothing is lost or repeated. Local session changes, and the server's refusal of a session, are
 * mirrored to the other tabs at once.
 */
export class TabHub implements FilesChannel {
  private readonly channel: BroadcastChannel<TabMessage>;
  private readonly elector: LeaderElector;
  private sessionId: string | null = null;
  private sessionNote: SessionNote | undefined;
  private lastEventId: string | null = null;
  private subscription: { close(): void } | undefined;
  /**
   * Counts the subscriptions this tab opened and let go. A socket let go still reports for a while
   * (tRPC's client closes it once it has opened, and says so when the close lands): only the
   * current one's callbacks count, or a reset's old socket could say `offline` over the new one.
   */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failedAttempts = 0;
  /** The browser's connection as the leader reports it. */
  private status: ConnectionStatus = 'connecting';
  /** This tab plays offline (developer controls): it neither holds a socket nor hears the others. */
  private offline = false;
  private closed = false;
  private readonly eventListeners = new Set<Listener<{ id: string; event: SessionEvent }>>();
  private readonly sessionListeners = new Set<(sessionId: string | null, note?: SessionNote) => void>();
  private readonly statusListeners = new Set<Listener<ConnectionStatus>>();
  private readonly refusalListeners = new Set<(sessionId: string, refusal: SessionRefusal) => void>();
  private readonly leadershipListeners = new Set<Listener<boolean>>();
  private readonly filesListeners = new Set<Listener<FilesTabMessage>>();

  constructor(private readonly opts: TabHubOptions) {
    this.channel = new BroadcastChannel<TabMessage>(opts.channelName ?? 'tabsync', opts.channelOptions);
    this.channel.onmessage = (message) => { this.handleTabMessage(message); };
    this.elector = createLeaderElection(this.channel);
    void this.elector.awaitLeadership().then(() => { this.takeLead(); });
    this.post({ kind: 'status-wanted' });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  get currentSessionId(): string | null {
    return this.sessionId;
  }

  onEvent(listener: Listener<{ id: string; event: SessionEvent }>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Session changes made in another tab of this browser. */
  onSessionChange(listener: (sessionId: string | null, note?: SessionNote) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  onStatus(listener: Listener<ConnectionStatus>): () => void {
    listener(this.visibleStatus());
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** The server refused the current session (it ended, or is not this browser's), heard in any tab. */
  onRefusal(listener: (sessionId: string, refusal: SessionRefusal) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  /** Whether this tab holds the socket; told now and whenever it changes. */
  onLeadership(listener: Listener<boolean>): () => void {
    listener(this.isLeader);
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  /** Tells the other tabs in this session about its files (uploads under way, dismissals, removals). */
  shareFiles(message: FilesTabMessage): void {
    if (this.sessionId) this.post({ kind: 'files', sessionId: this.sessionId, message });
  }

  /** What the other tabs in this session say about its files. */
  onFilesMessage(listener: Listener<FilesTabMessage>): () => void {
    this.filesListeners.add(listener);
    return () => this.filesListeners.delete(listener);
  }

  /** This tab moved to another session (or none): the others follow at once. */
  setSession(sessionId: string | null, note?: SessionNote): void {
    if (sessionId === this.sessionId) return;
    this.switchTo(sessionId, note);
    this.post({ kind: 'session', sessionId, note });
  }

  /** The server refused the current session elsewhere (a read): every tab hears it, as from the subscription. */
  reportRefusal(sessionId: string, refusal: SessionRefusal): void {
    if (sessionId === this.sessionId) this.announceRefusal(sessionId, refusal, true);
  }

  /** Opens the subscription anew (developer controls), in whichever tab leads. */
  reconnect(): void {
    if (this.isLeader) this.resubscribe();
    else this.post({ kind: 'reconnect' });
  }

  /**
   * Plays offline, or stops. The leader drops the socket, which every tab then sees; another tab
   * only stops hearing it. Back online, the leader resumes from its last event id; events a
   * follower missed meanwhile are not replayed to it, so its owner refetches.
   */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    if (this.isLeader) {
      if (offline) {
        this.unsubscribe();
        this.setStatus('offline', true);
      } else {
        this.resubscribe();
      }
    } else {
      this.notifyStatus();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.elector.die();
    await this.channel.close();
  }

  /** Tells the other tabs; a closing tab's late callbacks (its socket closing) tell no one. */
  private post(message: TabMessage): void {
    if (this.closed) return;
    this.channel.postMessage(message).catch(() => undefined);
  }

  private switchTo(sessionId: string | null, note: SessionNote | undefined): void {
    this.sessionId = sessionId;
    this.sessionNote = note;
    this.lastEventId = null;
    if (this.isLeader) this.resubscribe();
  }

  private handleTabMessage(message: TabMessage): void {
    if (this.offline && (message.kind === 'event' || message.kind === 'status')) return;
    switch (message.kind) {
      case 'event':
        this.deliver(message.sessionId, message.id, message.event);
        break;
      case 'status':
        this.setStatus(message.status, false);
        break;
      case 'refused':
        if (message.sessionId === this.sessionId) this.announceRefusal(message.sessionId, message.refusal, false);
        break;
      case 'reconnect':
        if (this.isLeader) this.resubscribe();
        break;
      case 'files':
        if (message.sessionId === this.sessionId) for (const listener of this.filesListeners) listener(message.message);
        break;
      case 'status-wanted':
        if (this.isLeader) this.post({ kind: 'status', status: this.status });
        break;
      case 'session':
        if (message.sessionId === this.sessionId) break;
        if (this.isOlderThanCurrent(message.note)) {
          // A tab that started before this one moved on: tell it where the browser is now.
          this.post({ kind: 'session', sessionId: this.sessionId, note: this.sessionNote });
          break;
        }
        this.switchTo(message.sessionId, message.note);
        for (const listener of this.sessionListeners) listener(message.sessionId, message.note);
    }
  }

  /** Whether `note` names a session created before the one this tab is in (news that arrived late). */
  private isOlderThanCurrent(note: SessionNote | undefined): boolean {
    if (!note || !this.sessionNote) return false;
    return Date.parse(note.session.createdAt) < Date.parse(this.sessionNote.session.createdAt);
  }

  /** Hands an event to this tab's listeners once, in order; returns whether it was new. */
  private deliver(sessionId: string, id: string, event: SessionEvent): boolean {
    if (sessionId !== this.sessionId) return false;
    if (this.lastEventId !== null && compareEventIds(id, this.lastEventId) <= 0) return false;
    this.lastEventId = id;
    for (const listener of this.eventListeners) listener({ id, event });
    return true;
  }

  private visibleStatus(): ConnectionStatus {
    return this.offline ? 'offline' : this.status;
  }

  private notifyStatus(): void {
    const status = this.visibleStatus();
    for (const listener of this.statusListeners) listener(status);
  }

  private setStatus(status: ConnectionStatus, relay: boolean): void {
    if (this.closed) return;
    this.status = status;
    this.notifyStatus();
    if (relay) this.post({ kind: 'status', status });
  }

  private announceRefusal(sessionId: string, refusal: SessionRefusal, relay: boolean): void {
    for (const listener of this.refusalListeners) listener(sessionId, refusal);
    if (relay) this.post({ kind: 'refused', sessionId, refusal });
  }

  /** This tab won the election: it tells its listeners and opens the browser's socket. */
  private takeLead(): void {
    if (this.closed) return;
    for (const listener of this.leadershipListeners) listener(true);
    this.resubscribe();
  }

  private unsubscribe(): void {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.subscription?.close();
    this.subscription = undefined;
  }

  private resubscribe(): void {
    this.unsubscribe();
    const sessionId = this.sessionId;
    if (!sessionId || this.closed || this.offline) return;
    const generation = this.generation;
    const current = () => generation === this.generation;
    this.subscription = this.opts.source(sessionId, this.lastEventId, {
      onEvent: (id, event) => {
        if (!current()) return;
        this.failedAttempts = 0;
        if (this.deliver(sessionId, id, event)) this.post({ kind: 'event', sessionId, id, event });
      },
      onStatus: (status) => {
        if (!current()) return;
        if (status === 'connected') this.failedAttempts = 0;
        this.setStatus(status, true);
      },
      onEnd: (end) => { if (current()) this.handleSubscriptionEnd(sessionId, end); },
    });
  }

  /** An interrupted subscription is opened again after a backoff; a refused one is told to every tab. */
  private handleSubscriptionEnd(sessionId: string, end: SubscriptionEnd): void {
    this.subscription = undefined;
    if (end.kind === 'completed') return;
    if (end.kind === 'interrupted') {
      this.setStatus('connecting', true);
      const delay = end.retryAfterMs ?? reconnectDelayMs(this.failedAttempts);
      this.failedAttempts += 1;
      this.retryTimer = setTimeout(() => { this.resubscribe(); }, delay);
      return;
    }
    this.setStatus('offline', true);
    this.announceRefusal(sessionId, end, true);
  }
}
