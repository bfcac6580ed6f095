/**
 * Live delivery of session events between server instances: what the event bus needs of Redis
 * pub/sub, whichever kind the deployment has. On one Redis that is PUBLISH and SUBSCRIBE; on a
 * cluster, sharded pub/sub (SPUBLISH, SSUBSCRIBE), so that an event goes only to the shard that owns
 * its session. The composition root picks the kind (src/server/redis/connect-redis.ts).
 */
export interface LiveChannel {
  /**
   * The command the event bus's append script publishes with. Its channel must hash to the slot of
   * the script's keys on a cluster (the bus gives both the session's hash tag).
   */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  /** Resolves once Redis has confirmed the join: every message published after that arrives. */
  join(channel: string): Promise<unknown>;
  /** Joins these channels again (after `down`); resolves once each join is confirmed. */
  rejoin(channels: string[]): Promise<unknown>;
  leave(channel: string): Promise<unknown>;
  /** Whether a rejoin now can succeed (the connection, or the cluster, is up). */
  readonly ready: boolean;
  onMessage(listener: (channel: string, message: string) => void): void;
  /** A subscriber connection dropped: messages may have been missed since. */
  onDown(listener: () => void): void;
  /** Subscriber connections are back: a rejoin now is worth trying. */
  onUp(listener: () => void): void;
}
