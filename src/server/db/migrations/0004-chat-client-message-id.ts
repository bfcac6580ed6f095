import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

const TABLE = 'chat_messages';
const INDEX = 'chat_messages_session_client_message_id';

/**
 * `chat_messages.client_message_id`: the id the sending client gave a message. Unique per session,
 * so that of two sends of one message (an outbox trying again after a lost answer, or two tabs at
 * once) the database keeps the first and refuses the second, whichever instance took them. Null
 * for messages sent without one; both databases let any number of nulls share a unique index.
 */
export const chatClientMessageId: Migration = {
  name: '0004-chat-client-message-id',
  async up({ context: qi }) {
    await qi.addColumn(TABLE, 'client_message_id', { type: DataTypes.UUID, allowNull: true });
    await qi.addIndex(TABLE, ['session_id', 'client_message_id'], { name: INDEX, unique: true });
  },
  async down({ context: qi }) {
    await qi.removeIndex(TABLE, INDEX);
    await qi.removeColumn(TABLE, 'client_message_id');
  },
};
