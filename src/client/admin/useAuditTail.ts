import { useEffect, useState } from 'react';
import type { AuditRowView } from '../../shared/admin.js';
import type { AdminClient } from './admin-client.js';

/** Rows kept on screen; older ones are a filter away in admin.audit.list. */
const SHOWN = 100;
const FIRST_PAGE = 25;

export type TailStatus = 'connecting' | 'live' | 'offline';

export interface AuditTailState {
  rows: AuditRowView[];
  status: TailStatus;
  error: unknown;
}

/**
 * The newest rows, then every row as it is written. The tail resumes after the newest row listed,
 * so nothing written between the list and the subscription is lost; after a dropped socket, tRPC
 * resumes it from the last row received.
 */
export function useAuditTail(client: AdminClient): AuditTailState {
  const [state, setState] = useState<AuditTailState>({ rows: [], status: 'connecting', error: null });
  useEffect(() => {
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    const start = async () => {
      try {
        const page = await client.admin.audit.list.query({ limit: FIRST_PAGE });
        if (stopped) return;
        setState({ rows: page.rows, status: 'connecting', error: null });
        const newest = page.rows[0];
        const subscription = client.admin.audit.tail.subscribe(
          { lastEventId: newest ? String(newest.id) : null },
          {
            onStarted: () => { setState((previous) => ({ ...previous, status: 'live' })); },
            onData: ({ data }) => {
              setState((previous) => ({ ...previous, status: 'live', rows: [data, ...previous.rows].slice(0, SHOWN) }));
            },
            onError: (error) => { setState((previous) => ({ ...previous, status: 'offline', error })); },
            // 'pending' is a subscription the server holds; 'connecting' a socket being (re)opened.
            onConnectionStateChange: (connection) => {
              if (connection.state !== 'idle') setState((previous) => ({ ...previous, status: connection.state === 'pending' ? 'live' : 'connecting' }));
            },
          },
        );
        unsubscribe = () => { subscription.unsubscribe(); };
      } catch (error) {
        if (!stopped) setState((previous) => ({ ...previous, status: 'offline', error }));
      }
    };
    void start();
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }, [client]);
  return state;
}
