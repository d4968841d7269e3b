import type { Sequelize } from 'sequelize-typescript';

/**
 * The database user the services connect as: data rights on the application's database only (no
 * DDL, no other databases, no user management). The migration task, which runs as the admin user,
 * creates it and sets its password from the app-user secret on every run, so rotating that secret
 * and re-running the migration task rotates the password.
 */
export const APP_USER_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export async function ensureAppUser(db: Sequelize, user: string, password: string): Promise<void> {
  if (!/^[A-Za-z0-9_]{1,32}$/.test(user))
    throw new Error(`invalid database user name ${JSON.stringify(user)}`);
  const database = db.getDatabaseName();
  // Account names and passwords cannot be bound parameters in CREATE/ALTER USER: the name is
  // validated above, the password escaped as a string literal.
  const account = `'${user}'@'%'`;
  const secret = db.escape(password);
  await db.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${secret}`, { logging: false });
  await db.query(`ALTER USER ${account} IDENTIFIED BY ${secret}`, { logging: false });
  await db.query(`GRANT ${APP_USER_PRIVILEGES.join(', ')} ON \`${database}\`.* TO ${account}`);
}
