import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withFile, withLaterMessages, withMessage, withoutFile, type ChatPages } from '../../src/client/session/cache-updates.js';
import type { MessageView } from '../../src/shared/chat.js';
import type { FileView } from '../../src/shared/files.js';

const sessionId = randomUUID();
const message = (text: string): MessageView => ({ messageId: randomUUID(), sessionId, text, fileIds: [], createdAt: new Date().toISOString() });
const file = (name: string, status: FileView['status'] = 'uploading'): FileView =>
  ({ fileId: randomUUID(), sessionId, name, contentType: 'text/plain', size: 1, sha256: null, status, createdAt: new Date().toISOString(), failure: null, renamed: null });

describe('a chat message arriving', () => {
  const older = message('older page');
  const newest = message('newest page');
  const pages: ChatPages = { pages: [{ messages: [newest], nextCursor: older.messageId }, { messages: [older], nextCursor: null }], pageParams: [null, newest.messageId] };

  it('is added as the newest message of the newest page', () => {
    const live = message('live');
    expect(withMessage(pages, live)?.pages.map((page) => page.messages.map((m) => m.text))).toEqual([['newest page', 'live'], ['older page']]);
  });

  it('is not added again when any page holds it already', () => {
    expect(withMessage(pages, older)).toBe(pages);
    expect(withMessage(pages, newest)).toBe(pages);
  });

  it('leaves a conversation that was never fetched alone, to be fetched whole', () => {
    expect(withMessage(undefined, message('x'))).toBeUndefined();
  });
});

describe('a refetched conversation landing', () => {
  const first = message('first');
  const second = message('second');
  const texts = (pages: ChatPages) => pages.pages.map((page) => page.messages.map((m) => m.text));
  const onePage = (...messages: MessageView[]): ChatPages => ({ pages: [{ messages, nextCursor: null }], pageParams: [null] });

  it('keeps the messages that arrived while it was fetched, after those it brings', () => {
    const sentMeanwhile = message('sent while the fetch ran');
    expect(texts(withLaterMessages(onePage(first, sentMeanwhile), onePage(first, second)))).toEqual([['first', 'second', 'sent while the fetch ran']]);
    expect(texts(withLaterMessages(onePage(sentMeanwhile), onePage()))).toEqual([['sent while the fetch ran']]);
  });

  it('is taken as it is when it holds everything the cache had', () => {
    const fetched = onePage(first, second);
    expect(withLaterMessages(onePage(first, second), fetched)).toBe(fetched);
    expect(withLaterMessages(undefined, fetched)).toBe(fetched);
  });
});

describe('a file arriving or leaving', () => {
  it('is appended when new, and replaced in its place when known', () => {
    const first = file('a.txt');
    const second = file('b.txt');
    const list = withFile([first], second);
    expect(list?.map((f) => f.name)).toEqual(['a.txt', 'b.txt']);
    expect(withFile(list, { ...first, status: 'stored' })?.map((f) => `${f.name}:${f.status}`)).toEqual(['a.txt:stored', 'b.txt:uploading']);
  });

  it('is dropped when removed', () => {
    const kept = file('kept.txt');
    const gone = file('gone.txt');
    expect(withoutFile([kept, gone], gone.fileId)).toEqual([kept]);
  });

  it('leaves a file list that was never fetched alone', () => {
    expect(withFile(undefined, file('a'))).toBeUndefined();
    expect(withoutFile(undefined, randomUUID())).toBeUndefined();
  });
});
