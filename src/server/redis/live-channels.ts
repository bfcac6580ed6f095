import type { Cluster, Redis } from 'ioredis';

/**
 * Live delivery of session events between server instances: what the event bus needs of Redis
 * pub/sub, whichever kind the deployment has. On one Redis that is PUBLISH and SUBSCRIBE; on a
 * cluster, sharded pub/sub (SPUBLISH, SSUBSCRIBE), so that an event goes only to the shard that owns
 * its session. The Redis connector picks the kind (connect-redis.ts).
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

/** Plain pub/sub on one Redis: one subscriber connection, which ioredis re-joins after a reconnect. */
export function singleLiveChannel(subscriber: Redis): LiveChannel {
  return {
    publishCommand: 'PUBLISH',
    join: (channel) => subscriber.subscribe(channel),
    // ioredis joins its channels again before it says 'ready': a SUBSCRIBE sent now is answered after those.
    rejoin: (channels) => (channels.length === 0 ? Promise.resolve() : subscriber.subscribe(...channels)),
    leave: (channel) => subscriber.unsubscribe(channel),
    get ready() { return subscriber.status === 'ready'; },
    onMessage: (listener) => { subscriber.on('message', listener); },
    onDown: (listener) => { subscriber.on('close', listener); },
    onUp: (listener) => { subscriber.on('ready', listener); },
  };
}

/**
 * Sharded pub/sub on a cluster (`shardedSubscribers`): ioredis keeps one subscriber connection per
 * master that owns a joined channel's slot, and replaces it after a failover or a slot move. Such a
 * connection ending is '-node'; the group being rebuilt is 'subscribersReady' (which also follows a
 * rebuild where some master did not answer yet: the event bus tries again until every rejoin is
 * confirmed). SSUBSCRIBE takes channels of one slot, so a rejoin sends one per channel.
 */
export function clusterLiveChannel(cluster: Cluster): LiveChannel {
  return {
    publishCommand: 'SPUBLISH',
    join: (channel) => cluster.ssubscribe(channel),
    rejoin: (channels) => Promise.all(channels.map((channel) => cluster.ssubscribe(channel))),
    leave: (channel) => cluster.sunsubscribe(channel),
    get ready() { return cluster.status === 'ready'; },
    onMessage: (listener) => { cluster.on('smessage', listener); },
    onDown: (listener) => { cluster.on('-node', listener); },
    onUp: (listener) => {
      cluster.on('subscribersReady', listener);
      cluster.on('ready', listener);
    },
  };
}
