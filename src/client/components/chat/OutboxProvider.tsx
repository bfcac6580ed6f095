import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { trpc } from '../../api/trpc-react.js';
import { Outbox, outboxKey } from '../../outbox/outbox.js';
import { useConnection, useSessionUUID } from '../../session/index.js';
import { exclusively } from '../../session/browser-lock.js';
import { createSessionCaches } from '../../session/session-caches.js';
import { createStoredValue } from '../../session/session-id-store.js';

const OutboxContext = createContext<Outbox | null>(null);

/**
 * The session's outbox (see Outbox), for the composer that fills it and the conversation that
 * shows what waits in it. The answer to a send lands in the conversation's cache through the
 * same SessionCaches.addMessage as the `chat.message` event, so the message is written once,
 * whichever of the two comes first.
 */
export function OutboxProvider({ children }: { children: ReactNode }) {
  const sessionId = useSessionUUID();
  const utils = trpc.useUtils();
  const { status } = useConnection();
  const [outbox] = useState(() => {
    const caches = createSessionCaches(utils);
    return new Outbox({
      sessionId,
      store: createStoredValue(outboxKey(sessionId)),
      send: (to, entry) =>
        utils.client.chat.send.mutate({ sessionId: to, text: entry.text, fileIds: entry.fileIds.length > 0 ? entry.fileIds : undefined, clientMessageId: entry.clientMessageId }),
      onSent: (message) => { caches.addMessage(message); },
      exclusively,
    });
  });

  useEffect(() => {
    outbox.start();
    // Another tab wrote or sent a message of this outbox (localStorage tells the other tabs only).
    const onStorage = (event: StorageEvent) => { if (event.key === outboxKey(sessionId)) outbox.reload(); };
    const onOnline = () => { outbox.resume(); };
    window.addEventListener('storage', onStorage);
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('storage', onStorage);
      window.removeEventListener('online', onOnline);
      outbox.stop();
    };
  }, [outbox, sessionId]);

  // The live connection is back: the server answers again, so what waits goes now.
  useEffect(() => { if (status === 'connected') outbox.resume(); }, [status, outbox]);

  return <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>;
}

export function useOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error('useOutbox() must be called inside <OutboxProvider> (which <ChatContainer> includes).');
  return outbox;
}
