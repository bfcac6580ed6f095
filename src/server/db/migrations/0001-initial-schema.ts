import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/** The four tables of the data model, with the indexes their hot queries use. */
export const initialSchema: Migration = {
  name: '0001-initial-schema',
  async up({ context: qi }) {
    await qi.createTable('user_sessions', {
      id: { type: DataTypes.UUID, primaryKey: true },
      token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'active' },
      created_at: { type: DataTypes.DATE, allowNull: false },
      last_seen_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      ended_at: { type: DataTypes.DATE, allowNull: true },
      replaced_by: { type: DataTypes.UUID, allowNull: true },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    });
    await qi.addIndex('user_sessions', ['status', 'expires_at'], { name: 'user_sessions_status_expires_at' });
    await qi.addIndex('user_sessions', ['status', 'ended_at'], { name: 'user_sessions_status_ended_at' });

    await qi.createTable('audit_logs', {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      // No foreign key: failed validations of unknown ids are logged too.
      session_id: { type: DataTypes.UUID, allowNull: true },
      event: { type: DataTypes.STRING(64), allowNull: false },
      outcome: { type: DataTypes.STRING(16), allowNull: false },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      user_agent: { type: DataTypes.STRING(512), allowNull: true },
      request_id: { type: DataTypes.STRING(64), allowNull: true },
      metadata: { type: DataTypes.JSON, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('audit_logs', ['session_id', 'created_at'], { name: 'audit_logs_session_created' });
    await qi.addIndex('audit_logs', ['event', 'created_at'], { name: 'audit_logs_event_created' });
    await qi.addIndex('audit_logs', ['created_at'], { name: 'audit_logs_created' });

    const sessionRef = { model: 'user_sessions', key: 'id' };
    await qi.createTable('session_files', {
      id: { type: DataTypes.UUID, primaryKey: true },
      session_id: { type: DataTypes.UUID, allowNull: false, references: sessionRef, onDelete: 'CASCADE' },
      object_key: { type: DataTypes.STRING(1024), allowNull: false },
      name: { type: DataTypes.STRING(255), allowNull: false },
      content_type: { type: DataTypes.STRING(255), allowNull: false },
      size: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      sha256: { type: DataTypes.STRING(64), allowNull: true },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'uploading' },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('session_files', ['session_id', 'created_at'], { name: 'session_files_session_created' });
    await qi.addIndex('session_files', ['status', 'updated_at'], { name: 'session_files_status_updated' });

    await qi.createTable('chat_messages', {
      id: { type: DataTypes.UUID, primaryKey: true },
      session_id: { type: DataTypes.UUID, allowNull: false, references: sessionRef, onDelete: 'CASCADE' },
      text: { type: DataTypes.TEXT, allowNull: false },
      attachments: { type: DataTypes.JSON, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('chat_messages', ['session_id', 'id'], { name: 'chat_messages_session_id_id' });
  },
  async down({ context: qi }) {
    await qi.dropTable('chat_messages');
    await qi.dropTable('session_files');
    await qi.dropTable('audit_logs');
    await qi.dropTable('user_sessions');
  },
};
