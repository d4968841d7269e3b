import { Column, CreatedAt, DataType, Model, Table } from 'sequelize-typescript';

/** A tenant's webhook receiver: where to POST which events, and the secret that signs them. */
@Table({ tableName: 'webhook_endpoints', timestamps: true, createdAt: 'created_at', updatedAt: false })
export class WebhookEndpoint extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  @Column({ type: DataType.STRING(64), allowNull: false })
  declare tenant: string;

  @Column({ type: DataType.STRING(2048), allowNull: false })
  declare url: string;

  /** Event types this endpoint opted into, JSON array. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare events: string;

  /** Standard Webhooks secret (`whsec_…`); the API shows it once. */
  @Column({ type: DataType.STRING(128), allowNull: false })
  declare secret: string;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  /** Set when deliveries first failed in a row; cleared by a 2xx. Old enough → the endpoint is disabled. */
  @Column({ type: DataType.DATE(3), allowNull: true })
  declare failing_since: Date | null;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare disabled_at: Date | null;

  @Column({ type: DataType.STRING(255), allowNull: true })
  declare disabled_reason: string | null;
}
