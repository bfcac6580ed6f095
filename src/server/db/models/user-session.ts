import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import type { SessionStatus } from '../../../shared/session.js';

export interface UserSessionAttributes {
  id: string;
  tokenHash: string;
  status: SessionStatus;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
  replacedBy: string | null;
  version: number;
}
export type UserSessionRow = Model<UserSessionAttributes, Optional<UserSessionAttributes, 'endedAt' | 'replacedBy' | 'version' | 'status'>> &
  UserSessionAttributes;

export function defineUserSession(sequelize: Sequelize): ModelStatic<UserSessionRow> {
  return sequelize.define<UserSessionRow>(
    'UserSession',
    {
      id: { type: DataTypes.UUID, primaryKey: true, validate: { isUUID: 4 } },
      tokenHash: { type: DataTypes.STRING(64), allowNull: false, unique: true, validate: { is: /^[0-9a-f]{64}$/ } },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'active', validate: { isIn: [['active', 'reset', 'expired']] } },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      lastSeenAt: { type: DataTypes.DATE, allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      endedAt: { type: DataTypes.DATE, allowNull: true },
      replacedBy: { type: DataTypes.UUID, allowNull: true },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1, validate: { min: 1 } },
    },
    // Times come from the service's clock (injectable in tests), not from Sequelize's.
    { tableName: 'user_sessions', underscored: true, timestamps: false },
  );
}
