import { Op, UniqueConstraintError } from 'sequelize';
import { v7 as uuidv7 } from 'uuid';
import { CHAT_PAGE_SIZE } from '../../../shared/limits.js';
import type { ChatPage, MessageView } from '../../../shared/chat.js';
import type { Database } from '../../db/database.js';
import type { ChatMessageAttributes } from '../../db/models/chat-message.js';
import type { Actor, Clock } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';
import { InvalidRequestError } from '../errors.js';
import type { EventPublisher } from '../event-publisher.js';

function toMessageView(row: ChatMessageAttributes): MessageView {
  const view: MessageView = { messageId: row.id, sessionId: row.sessionId, text: row.text, fileIds: row.attachments, createdAt: row.createdAt.toISOString() };
  return row.clientMessageId ? { ...view, clientMessageId: row.clientMessageId } : view;
}

/** A message as its sender wrote it. */
export interface NewMessage {
  text: string;
  fileIds?: readonly string[];
  /** The sender's own id for it: a send repeated with it returns the first message. */
  clientMessageId?: string;
}

/**
 * The session's conversation. Callers have already proven they own the session (SessionService.
 * authorize); this service holds the rules of messages themselves.
 */
export class ChatService {
  constructor(private readonly deps: { db: Database; audit: AuditService; events: EventPublisher; clock: Clock }) {}

  /**
   * Stores a message (ids are UUIDv7, so they sort by time), announces it to the session's tabs and
   * audits it (`chat.sent`: its id and how many files it carries, never its text). A message whose
   * `clientMessageId` the session already has was sent before: the first one is returned, and
   * neither stored, announced nor audited again (a resend may differ; the first one stands).
   */
  async send(sessionId: string, { text, fileIds = [], clientMessageId }: NewMessage, actor: Actor): Promise<MessageView> {
    const earlier = clientMessageId ? await this.findSent(sessionId, clientMessageId) : null;
    if (earlier) return earlier;
    const attachments = [...new Set(fileIds)];
    if (attachments.length > 0) {
      const found = await this.deps.db.models.SessionFile.findAll({
        attributes: ['id'],
        where: { id: attachments, sessionId, status: ['uploading', 'stored'] },
      });
      const known = new Set(found.map((row) => row.id));
      const unknown = attachments.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new InvalidRequestError(`These files are not part of this session (or were removed): ${unknown.join(', ')}.`);
    }
    let row: ChatMessageAttributes;
    try {
      row = await this.deps.db.transaction((t) =>
        this.deps.db.models.ChatMessage.create(
          { id: uuidv7(), sessionId, text, attachments, createdAt: this.deps.clock(), clientMessageId: clientMessageId ?? null },
          { transaction: t },
        ),
      );
    } catch (error) {
      // Two sends of one message at once: the unique index kept the other, which is the one to answer with.
      const winner = error instanceof UniqueConstraintError && clientMessageId ? await this.findSent(sessionId, clientMessageId) : null;
      if (winner) return winner;
      throw error;
    }
    const message = toMessageView(row);
    // Announced while its audit row commits: the tabs wait for neither, and the sender's answer waits for both.
    this.deps.events.publish(sessionId, { type: 'chat.message', message });
    await this.deps.audit.record({ event: 'chat.sent', outcome: 'success', sessionId, actor, metadata: { messageId: message.messageId, attachments: attachments.length } });
    return message;
  }

  /** The message the session already has under the sender's id, or null. */
  async findSent(sessionId: string, clientMessageId: string): Promise<MessageView | null> {
    const row = await this.deps.db.models.ChatMessage.findOne({ where: { sessionId, clientMessageId } });
    return row ? toMessageView(row) : null;
  }

  /**
   * One page of the conversation, newest page first: `cursor` is the `nextCursor` of the page
   * before. Within a page messages run oldest to newest, as they are shown.
   */
  async list(sessionId: string, cursor?: string | null): Promise<ChatPage> {
    const rows = await this.deps.db.models.ChatMessage.findAll({
      where: { sessionId, ...(cursor ? { id: { [Op.lt]: cursor } } : {}) },
      order: [['id', 'DESC']],
      limit: CHAT_PAGE_SIZE + 1,
    });
    const page = rows.slice(0, CHAT_PAGE_SIZE);
    const oldest = page.at(-1);
    return {
      messages: page.reverse().map(toMessageView),
      nextCursor: rows.length > CHAT_PAGE_SIZE && oldest ? oldest.id : null,
    };
  }
}
