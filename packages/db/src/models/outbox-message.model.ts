import { resourceDefinition, type QueueKey } from '@ocr-jobs/contracts';
import { Column, CreatedAt, DataType, Model, Table } from 'sequelize-typescript';

/** Where an outbox row goes: one of the queues of the resource definition. */
export type OutboxDestination = QueueKey;
export const OUTBOX_DESTINATIONS = Object.keys(resourceDefinition.queues) as OutboxDestination[];

/**
 * A message written in the same transaction as the change it announces, and sent to SQS by the
 * outbox relay afterwards. A row exists until SQS has accepted the message.
 */
@Table({ tableName: 'outbox', timestamps: true, createdAt: 'created_at', updatedAt: false })
export class OutboxMessage extends Model {
  @Column({ type: DataType.BIGINT, primaryKey: true, autoIncrement: true })
  declare id: number;

  @Column({ type: DataType.STRING(16), allowNull: false, validate: { isIn: [OUTBOX_DESTINATIONS] } })
  declare destination: OutboxDestination;

  /** The message body, JSON. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare body: string;

  /** SQS string message attributes (e.g. traceparent), JSON object or null. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare attributes: string | null;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  /** Not sent before this time: backoff after a failed send. */
  @Column({ type: DataType.DATE(3), allowNull: false })
  declare available_at: Date;

  /** The relay round that claimed the row (a UUID), while `claimed_until` lies ahead. */
  @Column({ type: DataType.STRING(36), allowNull: true })
  declare claimed_by: string | null;

  /** Other relays leave the row alone until then; after it, a crashed relay's rows are sent again. */
  @Column({ type: DataType.DATE(3), allowNull: true })
  declare claimed_until: Date | null;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare attempts: number;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare last_error: string | null;
}
