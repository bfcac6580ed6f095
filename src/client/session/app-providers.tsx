// First: react-hot-toast writes its stylesheet as soon as it is evaluated, and needs the nonce by then.
import './style-nonce.js';
import { useState, type ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { Toaster } from 'react-hot-toast';
import { createHttpLink } from '../api/http-link.js';
import { createQueryClient } from '../api/query-client.js';
import { trpc } from '../api/trpc-react.js';
import { createServerEventSource } from '../realtime/event-source.js';
import { toastNotices } from './notices.js';
import { SessionProvider, type SessionProviderProps } from './session-provider.js';

export interface AppProvidersProps extends Omit<SessionProviderProps, 'api'> {
  /** The Tabsync server's origin; the page's own by default. */
  baseUrl?: string;
  /** Another fetch for the API's HTTP calls (a test's fake server). */
  fetch?: typeof globalThis.fetch;
}

/** Everything the app's screens need: queries, the typed hooks, the session, and the toasts. */
export function AppProviders({ children, baseUrl, fetch, source, storage, channel }: AppProvidersProps): ReactNode {
  const [queryClient] = useState(() => createQueryClient({ onRateLimited: toastNotices.rateLimited }));
  const [trpcClient] = useState(() => trpc.createClient({ links: [createHttpLink({ baseUrl, fetch })] }));
  const [eventSource] = useState(() => source ?? createServerEventSource({ baseUrl }));
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <SessionProvider source={eventSource} storage={storage} channel={channel}>
          {children}
        </SessionProvider>
        {/* At the bottom, since at the top a toast would cover the session menu; lifted by more than
            the composer is tall at rest (a one-line field, its footer and the page's padding below
            it), so that no toast covers the field or Send while the person writes. The conversation
            makes room for it above its newest message (MessageList), the files column below its
            last file (Workspace). */}
        <Toaster position="bottom-center" containerStyle={{ bottom: 160 }} toastOptions={{ className: 'toast' }} />
      </QueryClientProvider>
    </trpc.Provider>
  );
}
