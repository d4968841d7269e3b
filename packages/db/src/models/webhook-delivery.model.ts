import { Column, CreatedAt, DataType, Model, Table, UpdatedAt } from 'sequelize-typescript';

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * One event for one receiver. Its id is the Standard Webhooks `webhook-id`: the same on every
 * attempt, so a receiver can drop repeats.
 */
@Table({
  tableName: 'webhook_deliveries',
  timestamps: true,
  createdAt: 'created_at',
  updatedAt: 'updated_at',
})
export class WebhookDelivery extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  @Column({ type: DataType.STRING(64), allowNull: false })
  declare tenant: string;

  /** Null for a job's own `callback_url` (signed with the tenant secret). */
  @Column({ type: DataType.UUID, allowNull: true })
  declare endpoint_id: string | null;

  @Column({ type: DataType.STRING(2048), allowNull: false })
  declare url: string;

  @Column({ type: DataType.STRING(64), allowNull: false })
  declare event_type: string;

  /** The exact JSON body that is signed and sent. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare payload: string;

  @Column({ type: DataType.STRING(16), allowNull: false, defaultValue: 'PENDING' })
  declare status: WebhookDeliveryStatus;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare attempts: number;

  @Column({ type: DataType.INTEGER, allowNull: true })
  declare last_status_code: number | null;

  @Column({ type: DataType.STRING(512), allowNull: true })
  declare last_error: string | null;

  /** Start of the retry window (creation, or the last redeliver). */
  @Column({ type: DataType.DATE(3), allowNull: false })
  declare window_started_at: Date;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare next_attempt_at: Date | null;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare delivered_at: Date | null;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  @UpdatedAt
  @Column({ type: DataType.DATE(3) })
  declare updated_at: Date;
}
