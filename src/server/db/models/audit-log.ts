import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';

export type AuditOutcome = 'success' | 'failure' | 'refused';

export interface AuditLogAttributes {
  id: number;
  sessionId: string | null;
  event: string;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  /** The chain (services/audit/audit-chain.ts): the previous row's hash, and this row's. */
  prevHash: string;
  hash: string;
}
export type AuditLogRow = Model<AuditLogAttributes, Optional<AuditLogAttributes, 'id' | 'prevHash' | 'hash'>> & AuditLogAttributes;

export function defineAuditLog(sequelize: Sequelize): ModelStatic<AuditLogRow> {
  return sequelize.define<AuditLogRow>(
    'AuditLog',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      sessionId: { type: DataTypes.UUID, allowNull: true },
      event: { type: DataTypes.STRING(64), allowNull: false, validate: { is: /^[a-z_]+\.[a-z_]+$/ } },
      outcome: { type: DataTypes.STRING(16), allowNull: false, validate: { isIn: [['success', 'failure', 'refused']] } },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      userAgent: { type: DataTypes.STRING(512), allowNull: true },
      requestId: { type: DataTypes.STRING(64), allowNull: true },
      metadata: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      prevHash: { type: DataTypes.STRING(64), allowNull: true },
      hash: { type: DataTypes.STRING(64), allowNull: true },
    },
    { tableName: 'audit_logs', underscored: true, timestamps: false },
  );
}
