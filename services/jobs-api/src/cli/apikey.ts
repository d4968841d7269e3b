/**
 * `npm run apikey -- create --tenant T --name N | list [--tenant T] | revoke <id>`: manages API keys
 * in the configured database (DATABASE_URL; by default the local stack's SQLite file at the repo
 * root). `create` prints the key as the last word of its output; only its SHA-256 is stored.
 */
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import {
  ApiKey,
  createDatabase,
  generateApiKey,
  hashApiKey,
  pendingMigrations,
  recordAuditEvents,
} from '@ocr-jobs/db';
import type { Sequelize } from 'sequelize-typescript';

/** services/jobs-api/dist/cli → the repository root. */
const repoRoot = path.resolve(__dirname, '../../../..');
const defaultDatabaseUrl = () => `sqlite:${path.join(repoRoot, '.data', 'ocr-jobs.sqlite')}`;

const actor = () => `cli:${os.userInfo().username}`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

async function withDatabase<T>(url: string, work: (db: Sequelize) => Promise<T>): Promise<T> {
  const db = createDatabase({
    url,
    password: process.env.DATABASE_PASSWORD || undefined,
    // Run as the migration task on AWS (infra/README runbook), where RDS accepts TLS only.
    tls: process.env.DATABASE_TLS === 'rds' ? 'rds' : 'off',
  });
  try {
    // Like the services, the CLI has data rights only: the schema is the deploy's (or npm start's) job.
    const pending = await pendingMigrations(db);
    if (pending.length)
      throw new CliError(
        `the database is not migrated (pending: ${pending.join(', ')}); run npm start once, or the deploy's migration task`,
      );
    return await work(db);
  } finally {
    await db.close();
  }
}

function apiKeyProgram(io: CliIo, databaseUrl: string): Command {
  const program = new Command('apikey')
    .description('Manage ocr-jobs API keys')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('create')
    .description('create a key for a tenant; prints the key once, as the last word')
    .requiredOption('--tenant <tenant>', 'tenant the key belongs to (1-64 characters)')
    .requiredOption('--name <name>', 'what the key is for (1-255 characters)')
    .action(async (options: { tenant: string; name: string }) => {
      const tenant = options.tenant.trim();
      const name = options.name.trim();
      if (!/^[\w.@:-]{1,64}$/.test(tenant))
        throw new CliError('--tenant: expected 1-64 letters, digits or . _ @ : -');
      if (name.length < 1 || name.length > 255) throw new CliError('--name: expected 1-255 characters');
      const key = generateApiKey();
      const record = await withDatabase(databaseUrl, (db) =>
        db.transaction(async (transaction) => {
          const created = await ApiKey.create({ tenant, name, key_sha256: hashApiKey(key) }, { transaction });
          await recordAuditEvents(transaction, [
            {
              action: 'api_key.created',
              actor: actor(),
              tenant,
              details: { api_key_id: created.id, name },
            },
          ]);
          return created;
        }),
      );
      io.out(`created API key ${record.id} for tenant "${tenant}" (${name}); it is shown only now:`);
      io.out(key);
    });

  program
    .command('list')
    .description('list keys (never the keys themselves)')
    .option('--tenant <tenant>', 'only this tenant')
    .action(async (options: { tenant?: string }) => {
      const keys = await withDatabase(databaseUrl, () =>
        ApiKey.findAll({
          where: options.tenant ? { tenant: options.tenant } : {},
          order: [['created_at', 'ASC']],
        }),
      );
      if (keys.length === 0) return io.out('no API keys');
      for (const k of keys) {
        const state = k.revoked_at ? `revoked ${new Date(k.revoked_at).toISOString()}` : 'active';
        io.out(
          `${k.id}  ${k.tenant}  ${JSON.stringify(k.name)}  created ${new Date(k.created_at).toISOString()}  ${state}`,
        );
      }
    });

  program
    .command('revoke')
    .description('revoke a key by its id; requests with it are refused from then on')
    .argument('<id>', 'the key id shown by create or list')
    .action(async (id: string) => {
      const outcome = await withDatabase(databaseUrl, (db) =>
        db.transaction(async (transaction) => {
          const record = await ApiKey.findByPk(id, { transaction });
          if (!record) return 'missing';
          if (record.revoked_at) return 'already';
          record.revoked_at = new Date();
          await record.save({ transaction });
          await recordAuditEvents(transaction, [
            {
              action: 'api_key.revoked',
              actor: actor(),
              tenant: record.tenant,
              details: { api_key_id: record.id, name: record.name },
            },
          ]);
          return 'revoked';
        }),
      );
      if (outcome === 'missing') throw new CliError(`no API key ${id}`);
      io.out(outcome === 'already' ? `API key ${id} was already revoked` : `revoked API key ${id}`);
    });

  return program;
}

/** A usage error: printed as one line, exit code 1. */
class CliError extends Error {}

/** Runs the CLI; resolves to the process exit code. */
export async function runApiKeyCli(argv: string[], io: CliIo, databaseUrl: string): Promise<number> {
  try {
    await apiKeyProgram(io, databaseUrl).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1;
    io.err(`error: ${error instanceof CliError ? error.message : String(e.message ?? error)}`);
    return 1;
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const databaseUrl = process.env.DATABASE_URL || defaultDatabaseUrl();
  void runApiKeyCli(
    process.argv.slice(2),
    { out: (l) => console.log(l), err: (l) => console.error(l) },
    databaseUrl,
  ).then((code) => process.exit(code));
}
