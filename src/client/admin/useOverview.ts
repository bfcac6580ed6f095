import { useEffect, useState } from 'react';
import type { AdminOverview } from '../../shared/admin.js';
import type { AdminClient } from './admin-client.js';

const REFRESH_MS = 5_000;

export interface OverviewState {
  overview: AdminOverview | null;
  error: unknown;
}

/** admin.overview, refreshed every few seconds while the page is open. */
export function useOverview(client: AdminClient): OverviewState {
  const [state, setState] = useState<OverviewState>({ overview: null, error: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const overview = await client.admin.overview.query();
        if (!stopped) setState({ overview, error: null });
      } catch (error) {
        if (!stopped) setState((previous) => ({ overview: previous.overview, error }));
      }
      if (!stopped) timer = setTimeout(() => { void load(); }, REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client]);
  return state;
}
