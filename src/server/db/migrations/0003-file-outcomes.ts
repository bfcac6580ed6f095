import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/**
 * What became of an upload, kept with the file: why a failed one was not kept (a code and the
 * sentence shown to people), and the name a stored one came with when its extension was changed.
 * Files that failed before this migration keep no reason (the view reads them as `unknown`).
 */
export const fileOutcomes: Migration = {
  name: '0003-file-outcomes',
  async up({ context: qi }) {
    await qi.addColumn('session_files', 'failure_code', { type: DataTypes.STRING(32), allowNull: true });
    await qi.addColumn('session_files', 'failure_reason', { type: DataTypes.STRING(512), allowNull: true });
    await qi.addColumn('session_files', 'original_name', { type: DataTypes.STRING(255), allowNull: true });
  },
  async down({ context: qi }) {
    await qi.removeColumn('session_files', 'original_name');
    await qi.removeColumn('session_files', 'failure_reason');
    await qi.removeColumn('session_files', 'failure_code');
  },
};
