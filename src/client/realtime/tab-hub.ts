import { BroadcastChannel, createLeaderElection, type BroadcastChannelOptions, type LeaderElector } from 'broadcast-channel';
import { compareEventIds } from '../../shared/event-id.js';
import type { SessionEvent } from '../../shared/events.js';
import type { ConnectionStatus } from '../api/trpc-client.js';
import type { EventSource } from './event-source.js';

/** What tabs of one browser tell each other. */
type TabMessage =
  | { kind: 'event'; sessionId: string; id: string; event: SessionEvent }
  | { kind: 'session'; sessionId: string | null }
  | { kind: 'status'; status: ConnectionStatus };

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
 * nothing is lost or repeated. Local session changes are mirrored to the other tabs at once.
 */
export class TabHub {
  private readonly channel: BroadcastChannel<TabMessage>;
  private readonly elector: LeaderElector;
  private sessionId: string | null = null;
  private lastEventId: string | null = null;
  private subscription: { close(): void } | undefined;
  private status: ConnectionStatus = 'connecting';
  private closed = false;
  private readonly eventListeners = new Set<Listener<{ id: string; event: SessionEvent }>>();
  private readonly sessionListeners = new Set<Listener<string | null>>();
  private readonly statusListeners = new Set<Listener<ConnectionStatus>>();

  constructor(private readonly opts: TabHubOptions) {
    this.channel = new BroadcastChannel<TabMessage>(opts.channelName ?? 'tabsync', opts.channelOptions);
    this.channel.onmessage = (message) => { this.receive(message); };
    this.elector = createLeaderElection(this.channel);
    void this.elector.awaitLeadership().then(() => { this.lead(); });
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
  onSessionChange(listener: Listener<string | null>): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  onStatus(listener: Listener<ConnectionStatus>): () => void {
    listener(this.status);
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** This tab moved to another session (or none): the others follow at once. */
  setSession(sessionId: string | null): void {
    if (sessionId === this.sessionId) return;
    this.switchTo(sessionId);
    this.post({ kind: 'session', sessionId });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscription?.close();
    this.subscription = undefined;
    await this.elector.die();
    await this.channel.close();
  }

  /** Tells the other tabs; a closing tab's late callbacks (its socket closing) tell no one. */
  private post(message: TabMessage): void {
    if (this.closed) return;
    this.channel.postMessage(message).catch(() => undefined);
  }

  private switchTo(sessionId: string | null): void {
    this.sessionId = sessionId;
    this.lastEventId = null;
    if (this.isLeader) this.subscribe();
  }

  private receive(message: TabMessage): void {
    if (message.kind === 'event') this.deliver(message.sessionId, message.id, message.event);
    else if (message.kind === 'status') this.setStatus(message.status, false);
    else if (message.sessionId !== this.sessionId) {
      this.switchTo(message.sessionId);
      for (const listener of this.sessionListeners) listener(message.sessionId);
    }
  }

  /** Hands an event to this tab's listeners once, in order; returns whether it was new. */
  private deliver(sessionId: string, id: string, event: SessionEvent): boolean {
    if (sessionId !== this.sessionId) return false;
    if (this.lastEventId !== null && compareEventIds(id, this.lastEventId) <= 0) return false;
    this.lastEventId = id;
    for (const listener of this.eventListeners) listener({ id, event });
    return true;
  }

  private setStatus(status: ConnectionStatus, relay: boolean): void {
    if (this.closed) return;
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
    if (relay) this.post({ kind: 'status', status });
  }

  private lead(): void {
    if (this.closed) return;
    this.subscribe();
  }

  private subscribe(): void {
    this.subscription?.close();
    this.subscription = undefined;
    const sessionId = this.sessionId;
    if (!sessionId || this.closed) return;
    this.subscription = this.opts.source(sessionId, this.lastEventId, {
      onEvent: (id, event) => {
        if (this.deliver(sessionId, id, event)) this.post({ kind: 'event', sessionId, id, event });
      },
      onStatus: (status) => { this.setStatus(status, true); },
      onEnd: () => {
        if (this.sessionId === sessionId) this.subscription = undefined;
      },
    });
  }
}
