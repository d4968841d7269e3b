import { createHash, randomBytes } from 'node:crypto';
import { ApiKey } from './models/api-key.model';

const KEY_PREFIX = 'ocrj_';

/** Hex SHA-256 of a key: the only form in which a key is stored or looked up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: a recognisable prefix and 32 random bytes, base64url. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Registers a key for a tenant and returns the key itself, which is never stored. Passing `key`
 * registers a chosen key (DEV_API_KEY of the local stack); registering the same key twice returns
 * the existing record.
 */
export async function createApiKey(input: {
  tenant: string;
  name: string;
  key?: string;
}): Promise<{ key: string; record: ApiKey }> {
  const key = input.key ?? generateApiKey();
  const key_sha256 = hashApiKey(key);
  const existing = await ApiKey.findOne({ where: { key_sha256 } });
  if (existing) return { key, record: existing };
  const record = await ApiKey.create({ tenant: input.tenant, name: input.name, key_sha256 });
  return { key, record };
}

/** The active (not revoked) record of a key, or null. */
export async function findActiveApiKey(key: string): Promise<ApiKey | null> {
  const record = await ApiKey.findOne({ where: { key_sha256: hashApiKey(key) } });
  return record && !record.revoked_at ? record : null;
}
