import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { initialSessionState, sessionReducer, type SessionState } from '../../src/client/session/session-state.js';
import type { SessionView } from '../../src/shared/session.js';

function view(sessionId: string = randomUUID(), version = 1): SessionView {
  const at = '2026-01-01T00:00:00.000Z';
  return { sessionId, status: 'active', createdAt: at, lastSeenAt: at, expiresAt: at, version };
}

const session = view();
const active: SessionState = { status: 'active', session };
const resetting: SessionState = { status: 'resetting', session };
const ended: SessionState = { status: 'ended', reason: 'expired' };
const failed: SessionState = { status: 'error', message: 'Cannot reach the server.' };
const everyState: SessionState[] = [initialSessionState, active, resetting, ended, failed];

describe('sessionReducer', () => {
  it('starts loading', () => {
    expect(initialSessionState).toEqual({ status: 'loading' });
  });

  it.each(everyState)('enters a session from $status', (state) => {
    const next = view();
    expect(sessionReducer(state, { type: 'entered', session: next })).toEqual({ status: 'active', session: next });
  });

  it('names the stored session it resumes while loading, so its unsent messages can be shown meanwhile', () => {
    expect(sessionReducer(initialSessionState, { type: 'establishing', resuming: session.sessionId })).toEqual({ status: 'loading', resuming: session.sessionId });
  });

  it.each(everyState)('goes back to loading from $status when a session is being established', (state) => {
    expect(sessionReducer(state, { type: 'establishing' })).toEqual({ status: 'loading' });
  });

  it.each(everyState)('fails from $status with the message to show', (state) => {
    expect(sessionReducer(state, { type: 'failed', message: 'No.' })).toEqual({ status: 'error', message: 'No.' });
  });

  it('starts a reset only from active, keeping the session on show', () => {
    expect(sessionReducer(active, { type: 'reset_started' })).toEqual(resetting);
    for (const state of [initialSessionState, resetting, ended, failed]) expect(sessionReducer(state, { type: 'reset_started' })).toBe(state);
  });

  it('returns to active when a reset fails, and only from resetting', () => {
    expect(sessionReducer(resetting, { type: 'reset_failed' })).toEqual(active);
    for (const state of [initialSessionState, active, ended, failed]) expect(sessionReducer(state, { type: 'reset_failed' })).toBe(state);
  });

  it('takes a newer view of the current session, active or resetting', () => {
    const newer = { ...session, version: 2, lastSeenAt: '2026-01-02T00:00:00.000Z' };
    expect(sessionReducer(active, { type: 'updated', session: newer })).toEqual({ status: 'active', session: newer });
    expect(sessionReducer(resetting, { type: 'updated', session: newer })).toEqual({ status: 'resetting', session: newer });
  });

  it('ignores an older view, a view of another session, and views while there is no session', () => {
    const current = { status: 'active', session: view(session.sessionId, 5) } satisfies SessionState;
    expect(sessionReducer(current, { type: 'updated', session: view(session.sessionId, 4) })).toBe(current);
    expect(sessionReducer(active, { type: 'updated', session: view() })).toBe(active);
    for (const state of [initialSessionState, ended, failed]) expect(sessionReducer(state, { type: 'updated', session })).toBe(state);
  });

  it('ends the current session with its reason, and the session that replaced it when known', () => {
    const replacement = randomUUID();
    expect(sessionReducer(active, { type: 'ended', sessionId: session.sessionId, reason: 'expired' })).toEqual({ status: 'ended', reason: 'expired' });
    expect(sessionReducer(resetting, { type: 'ended', sessionId: session.sessionId, reason: 'reset', replacedBy: replacement }))
      .toEqual({ status: 'ended', reason: 'reset', replacedBy: replacement });
  });

  it('ignores the end of a session this tab is no longer in', () => {
    expect(sessionReducer(active, { type: 'ended', sessionId: randomUUID(), reason: 'forbidden' })).toBe(active);
    for (const state of [initialSessionState, ended, failed]) expect(sessionReducer(state, { type: 'ended', sessionId: session.sessionId, reason: 'not_found' })).toBe(state);
  });
});
