import { Column, CreatedAt, DataType, Model, Table } from 'sequelize-typescript';

/** The per-tenant secret that signs the deliveries to a job's own `callback_url`. */
@Table({ tableName: 'webhook_secrets', timestamps: true, createdAt: 'created_at', updatedAt: false })
export class WebhookSecret extends Model {
  @Column({ type: DataType.STRING(64), primaryKey: true })
  declare tenant: string;

  @Column({ type: DataType.STRING(128), allowNull: false })
  declare secret: string;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;
}
