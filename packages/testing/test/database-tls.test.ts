import { createDatabase } from '@ocr-jobs/db';

/**
 * DATABASE_TLS=rds: the connection uses TLS and trusts only the Amazon RDS CAs. The local MariaDB is
 * not an RDS instance, so the login must fail on TLS (no TLS offered, or a certificate no RDS CA
 * signed) rather than silently fall back to plain text. MySQL only (TEST_MYSQL_URL).
 */
describe('a database connection with DATABASE_TLS=rds', () => {
  it('refuses a server that RDS CAs do not vouch for instead of falling back to plain text', async () => {
    const db = createDatabase({ url: process.env.TEST_MYSQL_URL!, tls: 'rds', bindModels: false });
    try {
      await expect(db.query('SELECT 1')).rejects.toThrow(
        /SSL|TLS|secure connection|certificate|self[- ]signed|unable to (get|verify)/i,
      );
    } finally {
      await db.close();
    }
  });

  it('connects in plain text when TLS is off (the local default)', async () => {
    const db = createDatabase({ url: process.env.TEST_MYSQL_URL!, tls: 'off', bindModels: false });
    try {
      await expect(db.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      await db.close();
    }
  });
});
