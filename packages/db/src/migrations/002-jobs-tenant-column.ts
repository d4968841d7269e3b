import type { QueryInterface } from 'sequelize';

/**
 * `jobs.owner` becomes `jobs.tenant`, the word the API keys, audit events and code use for it, and
 * the list indexes are renamed with it. A plain RENAME COLUMN (MySQL 8, MariaDB 10.5, SQLite 3.25):
 * Sequelize's renameColumn rebuilds the table on SQLite, and dropping `jobs` would cascade into
 * `job_items`. SQLite has no RENAME INDEX, so there the indexes are recreated.
 */
const INDEXES = [
  { from: 'jobs_owner_created', to: 'jobs_tenant_created', rest: ['created_at', 'id'] },
  {
    from: 'jobs_owner_status_created',
    to: 'jobs_tenant_status_created',
    rest: ['status', 'created_at', 'id'],
  },
];

async function renameColumn(qi: QueryInterface, from: string, to: string): Promise<void> {
  await qi.sequelize.query(`ALTER TABLE jobs RENAME COLUMN ${from} TO ${to}`);
  for (const index of INDEXES) {
    const [oldName, newName] = to === 'tenant' ? [index.from, index.to] : [index.to, index.from];
    if (qi.sequelize.getDialect() === 'sqlite') {
      await qi.removeIndex('jobs', oldName);
      await qi.addIndex('jobs', [to, ...index.rest], { name: newName });
    } else {
      await qi.sequelize.query(`ALTER TABLE jobs RENAME INDEX ${oldName} TO ${newName}`);
    }
  }
}

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await renameColumn(qi, 'owner', 'tenant');
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await renameColumn(qi, 'tenant', 'owner');
}
