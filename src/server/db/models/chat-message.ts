import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { CHAT_TEXT_MAX } from '../../../shared/limits.js';

export interface ChatMessageAttributes {
  id: string;
  sessionId: string;
  text: string;
  attachments: string[];
  createdAt: Date;
  /** The sending client's id for the message: unique per session, so a resend finds the first. */
  clientMessageId: string | null;
}
export type ChatMessageRow = Model<ChatMessageAttributes, Optional<ChatMessageAttributes, 'attachments' | 'clientMessageId'>> & ChatMessageAttributes;

export function defineChatMessage(sequelize: Sequelize): ModelStatic<ChatMessageRow> {
  return sequelize.define<ChatMessageRow>(
    'ChatMessage',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      sessionId: { type: DataTypes.UUID, allowNull: false },
      text: { type: DataTypes.TEXT, allowNull: false, validate: { len: [1, CHAT_TEXT_MAX] } },
      attachments: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      clientMessageId: { type: DataTypes.UUID, allowNull: true },
    },
    { tableName: 'chat_messages', underscored: true, timestamps: false },
  );
}
