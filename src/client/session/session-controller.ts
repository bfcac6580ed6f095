import type { SessionEvent } from '../../shared/events.js';
import { normalizedSessionId } from '../../shared/session-id.js';
import type { SessionView } from '../../shared/session.js';
import { classifyFailure, type SessionEndReason } from '../api/failure.js';
import { withRetries, type RetryOptions } from '../api/retry.js';
import type { ConnectionStatus } from '../api/trpc-client.js';
import type { SessionNote, SessionRefusal, TabHub } from '../realtime/tab-hub.js';
import { exclusively } from './browser-lock.js';
import { establishSession } from './establish-session.js';
import type { SessionNotices } from './notices.js';
import type { SessionApi } from './session-api.js';
import type { SessionCaches } from './session-caches.js';
import type { SessionIdStore } from './session-id-store.js';
import type { SessionAction } from './session-state.js';

/** Held while a tab starts or replaces a session, which sets the browser's one credential cookie. */
const SESSION_LOCK = 'tabsync.session';

export interface Connection {
  status: ConnectionStatus;
  isLeader: boolean;
  lastEventId: string | null;
}

export interface EventLogEntry {
  id: string;
  event: SessionEvent;
  at: number;
}

export interface SessionControllerDeps {
  api: SessionApi;
  store: SessionIdStore;
  hub: TabHub;
  caches: SessionCaches;
  notices: SessionNotices;
  dispatch: (action: SessionAction) => void;
  onConnection: (change: Partial<Connection>) => void;
  onEvent: (entry: EventLogEntry) => void;
}

/**
 * What one tab does about its session: find or start it, follow the other tabs and the server's
 * events, reset it. React holds the state (the reducer); this holds the behaviour, apart from
 * rendering, so that it can be read (and tested) as one piece.
 */
export class SessionController {
  private session: SessionView | null = null;
  /** The last session operation failed (the error state): reconnecting means trying it again. */
  private lastOperationFailed = false;
  /**
   * The session this tab is resetting. The server announces the reset (an event, a refusal of the
   * old session) while the reset's own answer is still on its way: this tab waits for that answer
   * rather than showing the old session as ended and asking where the browser moved.
   */
  private resettingId: string | null = null;
  /** Whether the connection went down while this tab was in its session, and whether any event of it arrived: see handleConnectionStatus(). */
  private dropped = false;
  private heardEvent = false;
  /**
   * The server could not be reached while this tab was finding its session: the connection is down
   * as it enters, and what happens before it is up (another tab's outbox sending as the server came
   * back) is missed by the lists it reads now. It then asks anew once connected, as after a drop.
   */
  private reachedThroughOutage = false;
  /**
   * This tab left its session because it was reset elsewhere, and has not yet said where it went:
   * however it then learns of the replacement (the server, or the other tab's word arriving first),
   * it says that the session was reset in another tab.
   */
  private leftByReset = false;
  private readonly abort = new AbortController();
  private readonly stopListening: (() => void)[];
  private readonly retry: RetryOptions;

  constructor(private readonly deps: SessionControllerDeps) {
    const { hub, onConnection } = deps;
    const onOutage = () => {
      this.reachedThroughOutage = true;
      deps.dispatch({ type: 'unreachable' });
    };
    this.retry = { onRateLimited: deps.notices.rateLimited, onOutage, signal: this.abort.signal };
    this.stopListening = [
      hub.onEvent((entry) => { this.handleEvent(entry.id, entry.event); }),
      hub.onSessionChange((sessionId, note) => { void this.followOtherTab(sessionId, note); }),
      hub.onRefusal((sessionId, refusal) => { this.handleRefusal(sessionId, refusal); }),
      hub.onStatus((status) => {
        onConnection({ status });
        this.handleConnectionStatus(status);
      }),
      hub.onLeadership((isLeader) => { onConnection({ isLeader }); }),
    ];
  }

  /** Start-up: resumes the stored session, or the cookie's, or starts one. */
  async start(): Promise<void> {
    const resuming = normalizedSessionId(this.deps.store.read());
    if (resuming) this.deps.dispatch({ type: 'establishing', resuming });
    await this.runSessionOperation(() => exclusively(SESSION_LOCK, async () => {
      // Another tab told us its session while this one waited or asked: its word is newer.
      if (this.hasSession()) return;
      const { session, replaced } = await establishSession(this.deps.api, this.deps.store, this.retry);
      if (this.hasSession()) return;
      this.enter(session, { session, cause: 'started' });
      if (replaced) this.deps.notices.replaced(replaced);
    }));
  }

  /** Ends the current session and moves every tab to its replacement. Failures are told, never thrown. */
  async reset(): Promise<void> {
    const current = this.session;
    if (!current) return;
    this.deps.dispatch({ type: 'reset_started' });
    this.resettingId = current.sessionId;
    try {
      const resetOnce = () => this.deps.api.session.reset.mutate({ sessionId: current.sessionId });
      const next = await exclusively(SESSION_LOCK, () => withRetries(resetOnce, { ...this.retry, retryOutages: false }));
      this.resettingId = null;
      if (this.abort.signal.aborted) return;
      this.enter(next, { session: next, cause: 'reset' });
      this.deps.notices.resetDone();
    } catch (error) {
      this.resettingId = null;
      if (this.abort.signal.aborted) return;
      const failure = classifyFailure(error);
      if (failure.kind === 'session_denied') {
        this.handleRefusal(current.sessionId, { kind: 'denied', reason: failure.reason, message: failure.message });
      } else {
        this.deps.dispatch({ type: 'reset_failed' });
        this.deps.notices.failed(`The session was not reset: ${failure.message}`);
      }
    }
  }

  /** A fresh session for every tab (after an end, or an error). */
  async startNew(): Promise<void> {
    this.deps.dispatch({ type: 'establishing' });
    await this.runSessionOperation(async () => {
      const session = await exclusively(SESSION_LOCK, () => withRetries(() => this.deps.api.session.generate.mutate(), this.retry));
      this.enter(session, { session, cause: 'started' });
      this.deps.notices.started();
    });
  }

  /** Opens the live connection anew; after a failure, tries the start-up again. An ended session stays ended. */
  reconnect(): void {
    if (this.session) {
      this.deps.hub.reconnect();
    } else if (this.lastOperationFailed) {
      this.deps.dispatch({ type: 'establishing' });
      void this.start();
    }
  }

  setSimulatedOffline(offline: boolean): void {
    this.deps.hub.setOffline(offline);
    // A tab that only listened to the others missed what they heard meanwhile.
    if (!offline && this.session) void this.deps.caches.refetch(this.session.sessionId);
  }

  close(): void {
    this.abort.abort();
    for (const stop of this.stopListening) stop();
  }

  /**
   * Back after a drop, a tab resumes from the last event it heard, and the server replays what it
   * missed. A tab that heard none has no id to resume from, and the server replays nothing: what
   * happened while the connection was down (a message another tab's outbox sent as it came back)
   * is asked anew.
   */
  private handleConnectionStatus(status: ConnectionStatus): void {
    if (!this.session) return;
    if (status === 'offline') {
      this.dropped = true;
    } else if (status === 'connected' && this.dropped) {
      this.dropped = false;
      if (!this.heardEvent) void this.deps.caches.refetch(this.session.sessionId);
    }
  }

  /** A new session for this tab: nothing of it was heard yet. */
  private switchToSession(session: SessionView): void {
    this.leftByReset = false;
    this.session = session;
    this.dropped = this.reachedThroughOutage;
    this.reachedThroughOutage = false;
    this.heardEvent = false;
    this.deps.store.write(session.sessionId);
    this.deps.onConnection({ lastEventId: null });
    this.deps.dispatch({ type: 'entered', session });
  }

  /** Asked anew after each wait: another tab may have moved this one meanwhile. */
  private hasSession(): boolean {
    return this.session !== null;
  }

  private enter(session: SessionView, note: SessionNote): void {
    this.switchToSession(session);
    // Joined first: the hub may report the new subscription's connection at once, and that is this session's.
    this.deps.hub.setSession(session.sessionId, note);
  }

  /** This tab leaves the session it is in; false when it was in another one by then. */
  private leave(sessionId: string, reason: SessionEndReason, replacedBy?: string): boolean {
    if (this.session?.sessionId !== sessionId) return false;
    this.session = null;
    this.deps.dispatch({ type: 'ended', sessionId, reason, replacedBy });
    return true;
  }

  private endSession(sessionId: string, reason: SessionEndReason): void {
    if (this.leave(sessionId, reason)) this.deps.notices.ended(reason);
  }

  /** Runs a session operation; a failure puts the tab in the error state and says why. */
  private async runSessionOperation(operation: () => Promise<void>): Promise<void> {
    this.lastOperationFailed = false;
    try {
      await operation();
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.lastOperationFailed = true;
      const { message } = classifyFailure(error);
      this.deps.dispatch({ type: 'failed', message });
      this.deps.notices.failed(message);
    }
  }

  private handleEvent(id: string, event: SessionEvent): void {
    this.deps.onEvent({ id, event, at: Date.now() });
    this.deps.onConnection({ lastEventId: id });
    const sessionId = this.session?.sessionId;
    if (!sessionId) return;
    this.heardEvent = true;
    switch (event.type) {
      case 'session.validated':
        this.deps.dispatch({ type: 'updated', session: event.session });
        break;
      case 'session.reset':
        if (event.sessionId === sessionId) void this.followReset(sessionId, event.newSessionId);
        break;
      case 'session.expired':
        if (event.sessionId === sessionId) this.endSession(sessionId, 'expired');
        break;
      case 'session.resync':
        // The server no longer holds every event this tab missed: what it shows must be asked anew.
        void this.deps.caches.refetch(sessionId);
        break;
      default:
        this.deps.caches.apply(sessionId, event);
    }
  }

  /**
   * The session was reset where this tab did not see it (another window, or while this tab was
   * away): the browser's cookie names the session that replaced it. `session.current` is asked,
   * which proves the cookie owns it and, unlike `session.validate`, is not rate limited.
   */
  private async followReset(oldId: string, replacedBy?: string): Promise<void> {
    if (oldId === this.resettingId) return;
    if (!this.leave(oldId, 'reset', replacedBy)) return;
    this.leftByReset = true;
    await this.runSessionOperation(async () => {
      const current = await withRetries(() => this.deps.api.session.current.query(), this.retry);
      if (this.hasSession()) return; // another tab's note arrived first (and was explained)
      if (current?.status !== 'active') {
        this.deps.notices.ended('reset');
        return;
      }
      this.enter(current, { session: current, cause: 'reset' });
      this.deps.notices.followedOtherTab('reset');
    });
  }

  private async followOtherTab(sessionId: string | null, note: SessionNote | undefined): Promise<void> {
    if (sessionId === null || sessionId === this.session?.sessionId) return;
    if (note) {
      // A tab still opening simply joins; one that was in a session (or just left it) is told why it moved.
      this.adopt(note.session, note.cause);
      return;
    }
    await this.runSessionOperation(async () => {
      const current = await withRetries(() => this.deps.api.session.current.query(), this.retry);
      if (current?.sessionId === sessionId) this.adopt(current, 'started');
    });
  }

  /** Takes a session another tab entered (the hub already follows it), and says why if this tab was in another. */
  private adopt(session: SessionView, cause: SessionNote['cause']): void {
    const moved = this.hasSession() || this.leftByReset;
    const why = this.leftByReset ? 'reset' : cause;
    this.switchToSession(session);
    if (moved) this.deps.notices.followedOtherTab(why);
  }

  private handleRefusal(sessionId: string, refusal: SessionRefusal): void {
    if (refusal.kind === 'refused') this.deps.notices.failed(`Live updates stopped: ${refusal.message}`);
    else if (refusal.reason === 'reset') void this.followReset(sessionId);
    else this.endSession(sessionId, refusal.reason);
  }
}
