import type { InvalidReason } from '../../../shared/session.js';

/** Why a session cannot be used: the reasons of `session.validate`, plus a missing credential. */
export type SessionDenial = InvalidReason | 'unauthenticated';

const MESSAGES: Record<SessionDenial, string> = {
  unauthenticated: 'This browser has no session credential. Start a session first (session.generate).',
  forbidden: 'This session belongs to another browser: its credential does not match this one.',
  not_found: 'There is no session with this id. Start a new one.',
  reset: 'This session was reset and has ended. Continue in the session that replaced it.',
  expired: 'This session has expired. Start a new one.',
};

export class SessionAccessError extends Error {
  override name = 'SessionAccessError';
  /**
   * @param askedByOwner The session has ended and the credential is its own or its replacement's:
   * the asker may learn how it ended in full (which session replaced it). Anyone else learns the reason only.
   */
  constructor(readonly reason: SessionDenial, readonly askedByOwner = false) {
    super(MESSAGES[reason]);
  }
}

export class SessionGenerationError extends Error {
  override name = 'SessionGenerationError';
  constructor(readonly attempts: number) {
    super(`Could not create a session: ${attempts} generated ids were already taken. Please try again.`);
  }
}
