import { DataTypes, type QueryInterface } from 'sequelize';

/** How many times recovery re-sent an item's OCR message (bounded; see ocr-worker's reconciler). */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('job_items', 'redrives', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('job_items', 'redrives');
}
