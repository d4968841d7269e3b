import fs from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { recordAwsCalls } from '@ocr-jobs/runtime';

/**
 * Where the database password comes from when a connection is made. The value is cached; `refresh`
 * reads it again, which the connection does after the server refused a login (the password was
 * rotated while the service ran: RDS rotates managed secrets, and ECS injects secrets only at start).
 */
export interface PasswordSource {
  /** The cached password (read on first use). */
  current(): Promise<string>;
  /** Reads the password again and caches it. */
  refresh(): Promise<string>;
}

/** A cache around `read`; concurrent callers share one read. */
export function cachedPassword(read: () => Promise<string>): PasswordSource {
  let cached: Promise<string> | undefined;
  const refresh = () => {
    const reading = read();
    cached = reading;
    // A failed read is not cached: the next connection tries again.
    reading.catch(() => {
      if (cached === reading) cached = undefined;
    });
    return reading;
  };
  return { current: () => cached ?? refresh(), refresh };
}

/**
 * The password of a Secrets Manager secret (`{"username","password"}` as RDS and our app-user secret
 * hold it, or a plain string). On ECS the task role needs secretsmanager:GetSecretValue on it.
 */
export function secretsManagerPassword(secretArn: string, region: string): PasswordSource {
  const client = recordAwsCalls(new SecretsManagerClient({ region, maxAttempts: 3 }));
  return cachedPassword(async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error(`secret ${secretArn} has no string value`);
    if (!SecretString.trimStart().startsWith('{')) return SecretString;
    const password = (JSON.parse(SecretString) as { password?: unknown }).password;
    if (typeof password !== 'string') throw new Error(`secret ${secretArn} has no "password" field`);
    return password;
  });
}

/** The password in a file (its first line), for local setups and the rotation test. */
export function filePassword(file: string): PasswordSource {
  return cachedPassword(async () => (await fs.readFile(file, 'utf8')).split('\n')[0]!);
}

/** A password that never changes (DATABASE_PASSWORD, or the one in the URL). */
export function fixedPassword(password: string): PasswordSource {
  return { current: async () => password, refresh: async () => password };
}
