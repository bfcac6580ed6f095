/**
 * Another React app using Tabsync's session layer: the providers, the session hooks and the typed
 * client. `npm run typecheck` compiles this file, so it stays true to the exports it shows.
 */
import { useState, type SubmitEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { trpc } from '../src/client/api/trpc-react.js';
import { uploadFile } from '../src/client/api/upload.js';
import {
  AppProviders,
  describeEndReason,
  useConnection,
  useSessionActions,
  useSessionState,
  useSessionUUID,
} from '../src/client/session/index.js';

/** Reads and writes the session's conversation; the session id comes from the provider, never from props. */
function Conversation() {
  const sessionId = useSessionUUID();
  const chat = trpc.chat.list.useInfiniteQuery({ sessionId }, { getNextPageParam: (page) => page.nextCursor });
  const send = trpc.chat.send.useMutation();
  const [text, setText] = useState('');

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    // No refetch needed: the message comes back as a `chat.message` event and lands in the cache.
    send.mutate({ sessionId, text }, { onSuccess: () => { setText(''); } });
  };

  // Pages run newest first; each page runs oldest to newest.
  const messages = chat.data?.pages.toReversed().flatMap((page) => page.messages) ?? [];
  return (
    <section>
      {chat.hasNextPage && <button type="button" onClick={() => { void chat.fetchNextPage(); }}>Older messages</button>}
      <ul>{messages.map((message) => <li key={message.messageId}>{message.text}</li>)}</ul>
      <form onSubmit={submit}>
        <input aria-label="Message" value={text} onChange={(event) => { setText(event.target.value); }} />
        <button type="submit" disabled={send.isPending}>Send</button>
      </form>
    </section>
  );
}

/** Uploads with progress; the file's later states (stored, failed) arrive as events in `files.list`. */
function Files() {
  const sessionId = useSessionUUID();
  const files = trpc.files.list.useQuery({ sessionId });
  const remove = trpc.files.remove.useMutation();
  const [progress, setProgress] = useState<number | null>(null);

  const upload = async (file: File) => {
    try {
      await uploadFile(sessionId, file, (loaded, total) => { setProgress(total > 0 ? loaded / total : 0); });
    } catch (error) {
      // The server's own words: too large, wrong type, or wait (rate limited).
      alert(error instanceof Error ? error.message : String(error));
    } finally {
      setProgress(null);
    }
  };

  return (
    <section>
      <input type="file" aria-label="Upload a file" onChange={(event) => { const file = event.target.files?.[0]; if (file) void upload(file); }} />
      {progress !== null && <progress value={progress} />}
      <ul>
        {files.data?.map((file) => (
          <li key={file.fileId}>
            {file.name} ({file.status})
            <button type="button" onClick={() => { remove.mutate({ sessionId, fileId: file.fileId }); }}>Remove</button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Renders the session-dependent parts only while there is a session. */
function Session() {
  const state = useSessionState();
  const { reset, startNew } = useSessionActions();
  const connection = useConnection();

  switch (state.status) {
    case 'loading':
      return <p>Opening your session…</p>;
    case 'error':
      return <p>{state.message} <button type="button" onClick={() => { void startNew(); }}>Start a new session</button></p>;
    case 'ended':
      return <p>{describeEndReason(state.reason)} <button type="button" onClick={() => { void startNew(); }}>Start a new session</button></p>;
    case 'active':
    case 'resetting':
      return (
        <main>
          <p>Live: {connection.status}{connection.isLeader ? ' (this tab holds the connection)' : ''}</p>
          <button type="button" disabled={state.status === 'resetting'} onClick={() => { void reset(); }}>Reset session</button>
          <Conversation />
          <Files />
        </main>
      );
  }
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <AppProviders>
      <Session />
    </AppProviders>,
  );
}
