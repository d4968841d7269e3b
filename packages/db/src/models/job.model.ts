import { Column, CreatedAt, DataType, HasMany, Model, Table, UpdatedAt } from 'sequelize-typescript';
import { JOB_STATUSES, type JobStatus } from '@ocr-jobs/contracts';
import { JobItem } from './job-item.model';

@Table({ tableName: 'jobs', timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' })
export class Job extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  /** The API key's tenant whose job this is (DESIGN's "owner"). */
  @Column({ type: DataType.STRING(64), allowNull: false })
  declare tenant: string;

  @Column({ type: DataType.STRING(255), allowNull: false })
  declare name: string;

  @Column({
    type: DataType.STRING(16),
    allowNull: false,
    defaultValue: 'PENDING',
    validate: { isIn: [JOB_STATUSES] },
  })
  declare status: JobStatus;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  @UpdatedAt
  @Column({ type: DataType.DATE(3) })
  declare updated_at: Date;

  /** created_at + the OCR queue's retention: past it, unfinished items can no longer be delivered. */
  @Column({ type: DataType.DATE(3), allowNull: false })
  declare sqs_retention_deadline: Date;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare total_items: number;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare done_items: number;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare error_items: number;

  /** The languages the job was created with, in tesseract's form (`por+eng`). */
  @Column({ type: DataType.STRING(128), allowNull: false, defaultValue: 'eng' })
  declare languages: string;

  /** Where this job's own `job.finished` goes (signed with the tenant's webhook secret). */
  @Column({ type: DataType.STRING(2048), allowNull: true })
  declare callback_url: string | null;

  @HasMany(() => JobItem, { foreignKey: 'job_id', onDelete: 'CASCADE' })
  declare items?: JobItem[];
}
