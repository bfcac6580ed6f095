/** Who asked, as the audit log records it. Plain data: services never see a request object. */
export interface Actor {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const SYSTEM_ACTOR: Actor = { ip: null, userAgent: 'tabsync-worker', requestId: null };

/** The current time; injected so that tests can stand at an expiry boundary. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
