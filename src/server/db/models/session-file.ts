import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import type { FileFailureCode, FileStatus } from '../../../shared/files.js';

export interface SessionFileAttributes {
  id: string;
  sessionId: string;
  objectKey: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string | null;
  status: FileStatus;
  /** Why a `failed` file was not kept (kept with it, so that a reload shows the same reason). */
  failureCode: FileFailureCode | null;
  failureReason: string | null;
  /** The name the upload came with, when the stored name's extension differs from it. */
  originalName: string | null;
  createdAt: Date;
  updatedAt: Date;
}
export type SessionFileRow = Model<SessionFileAttributes, Optional<SessionFileAttributes, 'sha256' | 'status' | 'failureCode' | 'failureReason' | 'originalName' | 'createdAt' | 'updatedAt'>> &
  SessionFileAttributes;

export function defineSessionFile(sequelize: Sequelize): ModelStatic<SessionFileRow> {
  return sequelize.define<SessionFileRow>(
    'SessionFile',
    {
      id: { type: DataTypes.UUID, primaryKey: true, validate: { isUUID: 4 } },
      sessionId: { type: DataTypes.UUID, allowNull: false },
      objectKey: { type: DataTypes.STRING(1024), allowNull: false },
      name: { type: DataTypes.STRING(255), allowNull: false, validate: { len: [1, 255] } },
      contentType: { type: DataTypes.STRING(255), allowNull: false },
      // PostgreSQL returns BIGINT as a string (it may exceed 2^53); file sizes never do, so they read as numbers.
      size: {
        type: DataTypes.BIGINT,
        allowNull: false,
        defaultValue: 0,
        validate: { min: 0 },
        get(this: SessionFileRow): number {
          const stored: unknown = this.getDataValue('size');
          return Number(stored);
        },
      },
      sha256: { type: DataTypes.STRING(64), allowNull: true, validate: { is: /^[0-9a-f]{64}$/ } },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'uploading', validate: { isIn: [['uploading', 'stored', 'failed', 'deleted']] } },
      failureCode: { type: DataTypes.STRING(32), allowNull: true },
      failureReason: { type: DataTypes.STRING(512), allowNull: true },
      originalName: { type: DataTypes.STRING(255), allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    { tableName: 'session_files', underscored: true, timestamps: true },
  );
}
