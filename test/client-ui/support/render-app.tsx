import { randomUUID } from 'node:crypto';
import { render, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { trpc } from '../../../src/client/api/trpc-react.js';
import { AppProviders, memoryStore, useConnection, useEventLog, useSessionActions, useSessionState, useSessionUUID, type SessionActions, type SessionIdStore } from '../../../src/client/session/index.js';
import type { FakeApiServer } from '../../support/fake-api-server.js';
import type { FakeEventSource } from './fake-event-source.js';

export const BASE_URL = 'http://tabsync.test';

function SessionId() {
  return <output data-testid="session-id">{useSessionUUID()}</output>;
}

/** Shows what the session hooks say, as a screen would. */
export function SessionProbe() {
  const state = useSessionState();
  const connection = useConnection();
  const log = useEventLog();
  return (
    <div>
      <output data-testid="status">{state.status}</output>
      {state.status === 'ended' && <output data-testid="reason">{`${state.reason}${state.replacedBy ? ` → ${state.replacedBy}` : ''}`}</output>}
      {state.status === 'error' && <output data-testid="error">{state.message}</output>}
      {(state.status === 'active' || state.status === 'resetting') && <SessionId />}
      {(state.status === 'active' || state.status === 'resetting') && <output data-testid="version">{state.session.version}</output>}
      <output data-testid="connection">{connection.status}</output>
      <output data-testid="leader">{String(connection.isLeader)}</output>
      <output data-testid="last-event-id">{connection.lastEventId ?? ''}</output>
      <output data-testid="event-log">{log.map((entry) => `${entry.id} ${entry.event.type}`).join('\n')}</output>
    </div>
  );
}

/** The conversation and files of the session, read through the typed hooks as the screens read them. */
export function ConversationProbe() {
  const sessionId = useSessionUUID();
  const chat = trpc.chat.list.useInfiniteQuery({ sessionId }, { getNextPageParam: (last) => last.nextCursor });
  const files = trpc.files.list.useQuery({ sessionId });
  return (
    <div>
      <ul data-testid="messages">{chat.data?.pages.flatMap((page) => page.messages).map((m) => <li key={m.messageId}>{m.text}</li>)}</ul>
      <ul data-testid="files">{files.data?.map((f) => <li key={f.fileId}>{`${f.name}:${f.status}`}</li>)}</ul>
    </div>
  );
}

function WhenActive({ children }: { children: ReactNode }) {
  const { status } = useSessionState();
  return status === 'active' || status === 'resetting' ? children : null;
}

function CaptureActions({ into }: { into: { current: SessionActions | null } }) {
  into.current = useSessionActions();
  return null;
}

export interface TabOptions {
  server: FakeApiServer;
  events: FakeEventSource;
  /** Tabs of one browser share a channel name. */
  channelName: string;
  storage?: SessionIdStore;
  withConversation?: boolean;
}

/** One browser tab of the app: the real providers over a fake API and a fake event source. */
export function renderTab({ server, events, channelName, storage = memoryStore(), withConversation = false }: TabOptions) {
  const actions: { current: SessionActions | null } = { current: null };
  const view = render(
    <AppProviders baseUrl={BASE_URL} fetch={server.fetch} source={events.source} storage={storage} channel={{ name: channelName, options: { type: 'simulate' } }}>
      <SessionProbe />
      <CaptureActions into={actions} />
      {withConversation && <WhenActive><ConversationProbe /></WhenActive>}
    </AppProviders>,
  );
  const tab = within(view.container);
  return {
    ...view,
    tab,
    storage,
    get actions(): SessionActions {
      if (!actions.current) throw new Error('the tab has not rendered its actions yet');
      return actions.current;
    },
    status: () => tab.getByTestId('status').textContent,
    sessionId: () => tab.queryByTestId('session-id')?.textContent ?? null,
  };
}

export const newChannelName = (): string => `tabsync-test-${randomUUID()}`;

/** What the toasts on the page say, as a screen reader hears them (role=status, aria-live). */
export function toastTexts(): string[] {
  return [...document.querySelectorAll('[data-rht-toaster] [role="status"][aria-live="polite"]')].map((el) => el.textContent);
}
