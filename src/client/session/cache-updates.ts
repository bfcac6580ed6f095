import type { InfiniteData } from '@tanstack/react-query';
import type { ChatPage, MessageView } from '../../shared/chat.js';
import type { FileView } from '../../shared/files.js';

/** `chat.list` as an infinite query: pages newest first, each page's messages oldest to newest. */
export type ChatPages = InfiniteData<ChatPage, string | null>;

/** The conversation with `message` added as the newest, unless a page already holds it. */
export function withMessage(pages: ChatPages | undefined, message: MessageView): ChatPages | undefined {
  if (!pages) return pages;
  if (pages.pages.some((page) => page.messages.some((m) => m.messageId === message.messageId))) return pages;
  const [newest, ...older] = pages.pages;
  if (!newest) return pages;
  return { ...pages, pages: [{ ...newest, messages: [...newest.messages, message] }, ...older] };
}

/**
 * The conversation as the server just sent it, with the messages this tab learned while it was
 * being fetched (an event, the answer to a send): a fetch started before they arrived must not
 * drop them when it lands after them. Those are the messages at the end of the newest page that
 * the fetched pages lack; messages are never deleted, so nothing else can be missing from them.
 */
export function withLaterMessages(previous: ChatPages | undefined, fetched: ChatPages): ChatPages {
  const newest = previous?.pages[0];
  const [fetchedNewest, ...fetchedOlder] = fetched.pages;
  if (!newest || !fetchedNewest) return fetched;
  const known = new Set(fetched.pages.flatMap((page) => page.messages.map((m) => m.messageId)));
  const lastKnown = newest.messages.findLastIndex((m) => known.has(m.messageId));
  const later = newest.messages.slice(lastKnown + 1);
  if (later.length === 0) return fetched;
  return { ...fetched, pages: [{ ...fetchedNewest, messages: [...fetchedNewest.messages, ...later] }, ...fetchedOlder] };
}

/** The file list with `file` in it, replacing an older view of the same file in its place. */
export function withFile(files: FileView[] | undefined, file: FileView): FileView[] | undefined {
  if (!files) return files;
  const index = files.findIndex((f) => f.fileId === file.fileId);
  if (index === -1) return [...files, file];
  return files.map((f, i) => (i === index ? file : f));
}

export function withoutFile(files: FileView[] | undefined, fileId: string): FileView[] | undefined {
  return files?.filter((f) => f.fileId !== fileId);
}
