import { Column, CreatedAt, DataType, Model, Table } from 'sequelize-typescript';

/** Remembers an `Idempotency-Key` of a tenant and the job it created, for 24 hours. */
@Table({ tableName: 'idempotency_keys', timestamps: true, createdAt: 'created_at', updatedAt: false })
export class IdempotencyKey extends Model {
  @Column({ type: DataType.STRING(64), primaryKey: true })
  declare tenant: string;

  @Column({ type: DataType.STRING(255), primaryKey: true })
  declare idempotency_key: string;

  /** SHA-256 of what identifies the request, so the same key with another request is refused. */
  @Column({ type: DataType.CHAR(64), allowNull: false })
  declare request_sha256: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare job_id: string;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  @Column({ type: DataType.DATE(3), allowNull: false })
  declare expires_at: Date;
}
