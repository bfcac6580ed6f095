import type { Cluster, Redis } from 'ioredis';
import type { LiveChannel } from '../realtime/live-channel.js';

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
