import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * What an item is read with, and which run of it is current:
 * - `jobs.languages`: the languages the job was created with (tesseract's form, `por+eng`);
 * - `job_items.languages` / `job_items.page_range`: what the worker reads the item with (a reprocess
 *   may change them for one item); `page_range` null means every page;
 * - `job_items.run`: 0 for the first reading, + 1 for each retry or reprocess. The OCR message carries
 *   the run it was sent for, and the worker ignores a message of an earlier run, so a message still in
 *   flight when an item is reprocessed can never count twice.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('jobs', 'languages', {
    type: DataTypes.STRING(128),
    allowNull: false,
    defaultValue: 'eng',
  });
  await qi.addColumn('job_items', 'languages', {
    type: DataTypes.STRING(128),
    allowNull: false,
    defaultValue: 'eng',
  });
  await qi.addColumn('job_items', 'page_range', { type: DataTypes.STRING(256), allowNull: true });
  await qi.addColumn('job_items', 'run', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('job_items', 'run');
  await qi.removeColumn('job_items', 'page_range');
  await qi.removeColumn('job_items', 'languages');
  await qi.removeColumn('jobs', 'languages');
}
