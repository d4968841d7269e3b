import { DataTypes, type QueryInterface } from 'sequelize';
import { ITEM_STATUSES, JOB_STATUSES } from '@ocr-jobs/contracts';

/**
 * A NOT NULL VARCHAR that the database itself constrains to a set of values. Written whole because
 * MySQL wants the CHECK after NOT NULL and DEFAULT (it works on MySQL 8, MariaDB and SQLite).
 */
export function oneOf(column: string, values: readonly string[], defaultValue?: string): { type: string } {
  const fallback = defaultValue ? ` DEFAULT '${defaultValue}'` : '';
  return {
    type: `VARCHAR(16) NOT NULL${fallback} CHECK (${column} IN (${values.map((v) => `'${v}'`).join(', ')}))`,
  };
}

const createdAt = { type: DataTypes.DATE(3), allowNull: false };

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const longText = qi.sequelize.getDialect() === 'mysql' ? DataTypes.TEXT('long') : DataTypes.TEXT;
  await qi.createTable('jobs', {
    id: { type: DataTypes.UUID, primaryKey: true, allowNull: false },
    owner: { type: DataTypes.STRING(64), allowNull: false },
    name: { type: DataTypes.STRING(255), allowNull: false },
    status: oneOf('status', JOB_STATUSES, 'PENDING'),
    created_at: createdAt,
    updated_at: createdAt,
    sqs_retention_deadline: { type: DataTypes.DATE(3), allowNull: false },
    total_items: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    done_items: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    error_items: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
  });
  // The list: a tenant's jobs newest first, optionally by status, paged by (created_at, id).
  await qi.addIndex('jobs', ['owner', 'created_at', 'id'], { name: 'jobs_owner_created' });
  await qi.addIndex('jobs', ['owner', 'status', 'created_at', 'id'], { name: 'jobs_owner_status_created' });
  // The expiry sweep: unfinished jobs past their deadline.
  await qi.addIndex('jobs', ['status', 'sqs_retention_deadline'], { name: 'jobs_status_deadline' });

  await qi.createTable('job_items', {
    id: { type: DataTypes.UUID, primaryKey: true, allowNull: false },
    job_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'jobs', key: 'id' },
      onDelete: 'CASCADE',
    },
    s3_key: { type: DataTypes.STRING(512), allowNull: false },
    filename: { type: DataTypes.STRING(255), allowNull: false },
    content_type: { type: DataTypes.STRING(100), allowNull: false },
    bytes: { type: DataTypes.BIGINT, allowNull: false },
    status: oneOf('status', ITEM_STATUSES, 'PENDING'),
    // LONGTEXT on MySQL: a long PDF's text can pass MEDIUMTEXT's 16 MiB.
    ocr_text: { type: longText, allowNull: true },
    confidence: { type: DataTypes.FLOAT, allowNull: true },
    pages: { type: DataTypes.INTEGER, allowNull: true },
    error_msg: { type: DataTypes.TEXT, allowNull: true },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_at: createdAt,
    updated_at: createdAt,
    started_at: { type: DataTypes.DATE(3), allowNull: true },
    finished_at: { type: DataTypes.DATE(3), allowNull: true },
  });
  await qi.addIndex('job_items', ['job_id', 'created_at'], { name: 'job_items_job_created' });
  await qi.addIndex('job_items', ['job_id', 'status'], { name: 'job_items_job_status' });

  await qi.createTable('api_keys', {
    id: { type: DataTypes.UUID, primaryKey: true, allowNull: false },
    tenant: { type: DataTypes.STRING(64), allowNull: false },
    name: { type: DataTypes.STRING(255), allowNull: false },
    key_sha256: { type: DataTypes.CHAR(64), allowNull: false, unique: true },
    created_at: createdAt,
    revoked_at: { type: DataTypes.DATE(3), allowNull: true },
  });
  await qi.addIndex('api_keys', ['tenant'], { name: 'api_keys_tenant' });

  await qi.createTable('outbox', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
    // Written out: a migration must not change with code (004 adds 'webhook').
    destination: oneOf('destination', ['ocr', 'audit']),
    body: { type: DataTypes.TEXT, allowNull: false },
    attributes: { type: DataTypes.TEXT, allowNull: true },
    created_at: createdAt,
    available_at: { type: DataTypes.DATE(3), allowNull: false },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    last_error: { type: DataTypes.TEXT, allowNull: true },
  });
  await qi.addIndex('outbox', ['available_at', 'id'], { name: 'outbox_available' });

  await qi.createTable('idempotency_keys', {
    tenant: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    idempotency_key: { type: DataTypes.STRING(255), primaryKey: true, allowNull: false },
    request_sha256: { type: DataTypes.CHAR(64), allowNull: false },
    job_id: { type: DataTypes.UUID, allowNull: false },
    created_at: createdAt,
    expires_at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await qi.addIndex('idempotency_keys', ['expires_at'], { name: 'idempotency_keys_expires' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const table of ['idempotency_keys', 'outbox', 'api_keys', 'job_items', 'jobs'])
    await qi.dropTable(table);
}
