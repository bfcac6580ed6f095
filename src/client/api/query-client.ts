import { QueryClient } from '@tanstack/react-query';
import { classifyFailure } from './failure.js';
import { MAX_RETRIES, retryDelayMs } from './retry.js';

export interface QueryClientOptions {
  /** Told before each wait of a 429, so the person hears why nothing happens. */
  onRateLimited: (retryAfterSeconds: number) => void;
}

/**
 * Reads try again after a 429 (as long as the server asks) and after outages (with backoff);
 * other refusals are final. Writes try again only after a 429, which says the server did nothing:
 * after a lost answer a write may have happened, and sending a message twice is worse than once.
 */
export function createQueryClient({ onRateLimited }: QueryClientOptions): QueryClient {
  const delayOf = (attempt: number, error: unknown): number => {
    const failure = classifyFailure(error);
    if (failure.kind === 'rate_limited') onRateLimited(failure.retryAfterSeconds);
    return retryDelayMs(failure, attempt) ?? 0;
  };
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => failures < MAX_RETRIES && retryDelayMs(classifyFailure(error), failures) !== null,
        retryDelay: delayOf,
        // The session's events keep the caches current. A component that mounts later must not
        // refetch: that snapshot, taken before the latest events, could land after them and undo
        // them. Resync, reconnect and a tab back online invalidate, which refetches regardless.
        staleTime: Number.POSITIVE_INFINITY,
        refetchOnWindowFocus: false,
      },
      mutations: {
        retry: (failures, error) => failures < MAX_RETRIES && classifyFailure(error).kind === 'rate_limited',
        retryDelay: delayOf,
      },
    },
  });
}
