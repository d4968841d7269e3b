import { DataTypes, type QueryInterface } from 'sequelize';
import { WEBHOOK_DELIVERY_STATUSES } from '../models/webhook-delivery.model';
import { oneOf } from './001-initial-schema';

/**
 * Webhooks: endpoints per tenant, a per-tenant secret for `callback_url`, the delivery log, the
 * job's `callback_url`, and `webhook` as an outbox destination. The outbox's destination CHECK is
 * part of its column (SQLite cannot alter a CHECK; MySQL names it per table), so the outbox is rebuilt
 * with the rows it holds. The destination lists are written out: a migration must not change with code.
 */
const createdAt = { type: DataTypes.DATE(3), allowNull: false };

async function rebuildOutbox(qi: QueryInterface, destinations: string[]): Promise<void> {
  await qi.createTable('outbox_rebuilt', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
    destination: oneOf('destination', destinations),
    body: { type: DataTypes.TEXT, allowNull: false },
    attributes: { type: DataTypes.TEXT, allowNull: true },
    created_at: createdAt,
    available_at: { type: DataTypes.DATE(3), allowNull: false },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    last_error: { type: DataTypes.TEXT, allowNull: true },
    // The relay's lease (003-outbox-lease).
    claimed_by: { type: DataTypes.STRING(36), allowNull: true },
    claimed_until: { type: DataTypes.DATE(3), allowNull: true },
  });
  const columns =
    'id, destination, body, attributes, created_at, available_at, attempts, last_error, claimed_by, claimed_until';
  const list = destinations.map((d) => `'${d}'`).join(', ');
  await qi.sequelize.query(
    `INSERT INTO outbox_rebuilt (${columns}) SELECT ${columns} FROM outbox WHERE destination IN (${list})`,
  );
  await qi.dropTable('outbox');
  await qi.renameTable('outbox_rebuilt', 'outbox');
  await qi.addIndex('outbox', ['destination', 'available_at', 'id'], { name: 'outbox_due' });
}

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('jobs', 'callback_url', { type: DataTypes.STRING(2048), allowNull: true });
  await qi.createTable('webhook_endpoints', {
    id: { type: DataTypes.UUID, primaryKey: true, allowNull: false },
    tenant: { type: DataTypes.STRING(64), allowNull: false },
    url: { type: DataTypes.STRING(2048), allowNull: false },
    events: { type: DataTypes.TEXT, allowNull: false },
    secret: { type: DataTypes.STRING(128), allowNull: false },
    created_at: createdAt,
    failing_since: { type: DataTypes.DATE(3), allowNull: true },
    disabled_at: { type: DataTypes.DATE(3), allowNull: true },
    disabled_reason: { type: DataTypes.STRING(255), allowNull: true },
  });
  await qi.addIndex('webhook_endpoints', ['tenant', 'created_at'], { name: 'webhook_endpoints_tenant' });
  await qi.createTable('webhook_secrets', {
    tenant: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    secret: { type: DataTypes.STRING(128), allowNull: false },
    created_at: createdAt,
  });
  await qi.createTable('webhook_deliveries', {
    id: { type: DataTypes.UUID, primaryKey: true, allowNull: false },
    tenant: { type: DataTypes.STRING(64), allowNull: false },
    endpoint_id: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: 'webhook_endpoints', key: 'id' },
      onDelete: 'CASCADE',
    },
    url: { type: DataTypes.STRING(2048), allowNull: false },
    event_type: { type: DataTypes.STRING(64), allowNull: false },
    payload: { type: DataTypes.TEXT, allowNull: false },
    status: oneOf('status', WEBHOOK_DELIVERY_STATUSES, 'PENDING'),
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    last_status_code: { type: DataTypes.INTEGER, allowNull: true },
    last_error: { type: DataTypes.STRING(512), allowNull: true },
    window_started_at: { type: DataTypes.DATE(3), allowNull: false },
    next_attempt_at: { type: DataTypes.DATE(3), allowNull: true },
    delivered_at: { type: DataTypes.DATE(3), allowNull: true },
    created_at: createdAt,
    updated_at: createdAt,
  });
  // The delivery log of one endpoint, newest first.
  await qi.addIndex('webhook_deliveries', ['endpoint_id', 'created_at'], {
    name: 'webhook_deliveries_endpoint',
  });
  await rebuildOutbox(qi, ['ocr', 'audit', 'webhook']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await rebuildOutbox(qi, ['ocr', 'audit']);
  for (const table of ['webhook_deliveries', 'webhook_secrets', 'webhook_endpoints'])
    await qi.dropTable(table);
  // Plain DROP COLUMN: Sequelize's removeColumn rebuilds the table on SQLite, cascading into job_items.
  await qi.sequelize.query('ALTER TABLE jobs DROP COLUMN callback_url');
}
