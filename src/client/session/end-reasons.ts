import type { SessionEndReason } from '../api/failure.js';

/** Why the stored session could not be resumed, said to the person who gets a new one. */
const REPLACED_BECAUSE: Record<SessionEndReason, string> = {
  not_found: 'Your previous session no longer exists, so a new one was started.',
  expired: 'Your previous session expired after a long time without use, so a new one was started.',
  reset: 'Your previous session was reset, so a new one was started.',
  forbidden: 'Your previous session belongs to another browser, so a new one was started here.',
};

/** Why the session this tab was in cannot go on. */
const ENDED_BECAUSE: Record<SessionEndReason, string> = {
  not_found: 'This session no longer exists.',
  expired: 'This session expired after a long time without use.',
  reset: 'This session was reset and has ended.',
  forbidden: 'This browser no longer holds the key to this session (were cookies cleared?).',
};

export function replacedBecause(reason: SessionEndReason): string {
  return REPLACED_BECAUSE[reason];
}

export function describeEndReason(reason: SessionEndReason): string {
  return ENDED_BECAUSE[reason];
}
