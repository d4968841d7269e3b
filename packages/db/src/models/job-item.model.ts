import {
  BelongsTo,
  Column,
  CreatedAt,
  DataType,
  ForeignKey,
  Model,
  Table,
  UpdatedAt,
} from 'sequelize-typescript';
import { ITEM_STATUSES, type ItemStatus } from '@ocr-jobs/contracts';
import { Job } from './job.model';

@Table({ tableName: 'job_items', timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' })
export class JobItem extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  @ForeignKey(() => Job)
  @Column({ type: DataType.UUID, allowNull: false })
  declare job_id: string;

  @BelongsTo(() => Job, { onDelete: 'CASCADE' })
  declare job?: Job;

  /** jobs/{job_id}/{item_id}.{ext}: built from ids only, never from the client's filename. */
  @Column({ type: DataType.STRING(512), allowNull: false })
  declare s3_key: string;

  /** The client's filename, for display only. */
  @Column({ type: DataType.STRING(255), allowNull: false })
  declare filename: string;

  @Column({ type: DataType.STRING(100), allowNull: false })
  declare content_type: string;

  @Column({ type: DataType.BIGINT, allowNull: false })
  declare bytes: number;

  @Column({
    type: DataType.STRING(16),
    allowNull: false,
    defaultValue: 'PENDING',
    validate: { isIn: [ITEM_STATUSES] },
  })
  declare status: ItemStatus;

  @Column({ type: DataType.TEXT('long'), allowNull: true })
  declare ocr_text: string | null;

  @Column({ type: DataType.FLOAT, allowNull: true })
  declare confidence: number | null;

  @Column({ type: DataType.INTEGER, allowNull: true })
  declare pages: number | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare error_msg: string | null;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare attempts: number;

  /** Times recovery re-sent this item's OCR message because none was left (bounded). */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare redrives: number;

  /** The languages this item is read with (the job's, unless a reprocess changed them). */
  @Column({ type: DataType.STRING(128), allowNull: false, defaultValue: 'eng' })
  declare languages: string;

  /** The pages of a PDF or TIFF to read (`1-3,7`); null reads every page. */
  @Column({ type: DataType.STRING(256), allowNull: true })
  declare page_range: string | null;

  /**
   * 0 for the first reading, + 1 for each retry or reprocess. A message carries the run it was sent
   * for; the worker ignores one of an earlier run, so an old message never counts twice.
   */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare run: number;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  @UpdatedAt
  @Column({ type: DataType.DATE(3) })
  declare updated_at: Date;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare started_at: Date | null;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare finished_at: Date | null;
}
