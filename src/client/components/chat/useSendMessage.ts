import { useSyncExternalStore } from 'react';
import type { MessageView } from '../../../shared/chat.js';
import type { OutboxEntry } from '../../outbox/outbox.js';
import { useOutbox } from './OutboxProvider.js';

export interface Draft {
  text: string;
  fileIds: readonly string[];
}

/**
 * Sends a message through the session's outbox: it shows at once as pending, and goes when the
 * server can take it, also after a reload. Never refused here: the outbox tells how it went.
 */
export function useSendMessage(): (draft: Draft) => void {
  const outbox = useOutbox();
  return (draft) => { outbox.add(draft.text, draft.fileIds); };
}

/** The outbox's messages the conversation does not hold yet, oldest first. */
export function useUnsentMessages(stored: readonly MessageView[]): readonly OutboxEntry[] {
  const outbox = useOutbox();
  const entries = useSyncExternalStore(outbox.subscribe, outbox.snapshot);
  if (entries.length === 0) return entries;
  const storedIds = new Set(stored.flatMap((message) => (message.clientMessageId ? [message.clientMessageId] : [])));
  return entries.filter((entry) => !storedIds.has(entry.clientMessageId));
}
