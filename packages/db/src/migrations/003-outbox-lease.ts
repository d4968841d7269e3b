import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * The relay claims rows with a lease instead of holding a transaction open while it sends: a row
 * whose `claimed_until` lies in the future belongs to the relay round named by `claimed_by`.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('outbox', 'claimed_by', { type: DataTypes.STRING(36), allowNull: true });
  await qi.addColumn('outbox', 'claimed_until', { type: DataTypes.DATE(3), allowNull: true });
  // The claim looks for a destination's rows that are due; in id order.
  await qi.removeIndex('outbox', 'outbox_available');
  await qi.addIndex('outbox', ['destination', 'available_at', 'id'], { name: 'outbox_due' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeIndex('outbox', 'outbox_due');
  await qi.addIndex('outbox', ['available_at', 'id'], { name: 'outbox_available' });
  await qi.removeColumn('outbox', 'claimed_until');
  await qi.removeColumn('outbox', 'claimed_by');
}
