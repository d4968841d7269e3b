import type { Transaction } from 'sequelize';
import { WebhookSecret } from '@ocr-jobs/db';
import { newWebhookSecret } from './signing';

/** The tenant's callback secret, created on first use (ignoreDuplicates: two first uses race safely). */
export async function tenantWebhookSecret(tenant: string, transaction?: Transaction): Promise<string> {
  const existing = await WebhookSecret.findByPk(tenant, { transaction });
  if (existing) return existing.secret;
  await WebhookSecret.bulkCreate([{ tenant, secret: newWebhookSecret() }], {
    ignoreDuplicates: true,
    transaction,
  });
  return (await WebhookSecret.findByPk(tenant, { transaction }))!.secret;
}
