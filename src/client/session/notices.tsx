import { toast } from 'react-hot-toast';
import type { SessionEndReason } from '../api/failure.js';
import { describeEndReason, replacedBecause } from './end-reasons.js';
import { useSecondsLeft } from './seconds-left.js';

/**
 * What the session layer tells the person, as toasts (the Toaster announces them to screen
 * readers). Fixed ids make a repeated notice replace the last one instead of piling up.
 */
export interface SessionNotices {
  replaced: (reason: SessionEndReason) => void;
  ended: (reason: SessionEndReason) => void;
  resetDone: () => void;
  followedOtherTab: (cause: 'started' | 'reset') => void;
  started: () => void;
  rateLimited: (retryAfterSeconds: number) => void;
  failed: (message: string) => void;
}

/**
 * Shows a notice now if the page is in sight, else as soon as it is: a toast shown in a tab in the
 * background would run out before anyone saw it.
 */
function whenSeen(show: () => void): void {
  if (document.visibilityState !== 'hidden') {
    show();
    return;
  }
  const showOnceSeen = () => {
    if (document.visibilityState === 'hidden') return;
    document.removeEventListener('visibilitychange', showOnceSeen);
    show();
  };
  document.addEventListener('visibilitychange', showOnceSeen);
}

export const toastNotices: SessionNotices = {
  replaced: (reason) => { toast(replacedBecause(reason), { id: 'session', icon: 'ℹ️', duration: 8000 }); },
  ended: (reason) => { toast.error(`${describeEndReason(reason)} Start a new session to go on.`, { id: 'session', duration: 10_000 }); },
  resetDone: () => { toast.success('Session reset. Every tab of this browser moved to the new session.', { id: 'session' }); },
  followedOtherTab: (cause) => {
    const what = cause === 'reset' ? 'The session was reset in another tab' : 'Another tab started a new session';
    whenSeen(() => { toast(`${what}; this tab moved to it.`, { id: 'session-followed', icon: 'ℹ️', duration: 8000 }); });
  },
  started: () => { toast.success('New session started.', { id: 'session' }); },
  rateLimited: (seconds) => {
    const until = Date.now() + seconds * 1000;
    toast(() => <RateLimitedNotice until={until} />, { id: 'rate-limited', icon: '⏳', duration: seconds * 1000 });
  },
  failed: (message) => { toast.error(message, { id: 'session-failure' }); },
};

/** The wait of a 429, counting down to the moment the app tries again. */
function RateLimitedNotice({ until }: { until: number }) {
  const seconds = useSecondsLeft(until);
  return <>{seconds > 0 ? `Too many requests from this network. Trying again in ${seconds} s…` : 'Trying again…'}</>;
}
