import type { Sequelize } from 'sequelize-typescript';

/**
 * SQLite settings for every connection Sequelize opens, and one write transaction at a time per process.
 *
 * Why not an `afterConnect` hook: Sequelize 6's SQLite connection manager opens its connections
 * itself (one shared connection, plus a fresh one per transaction) and never runs that hook, so
 * WAL and the busy timeout were silently never applied. Wrapping `getConnection` is the one place
 * every connection passes through.
 *
 * Why the gate: each SQLite call runs on a libuv thread-pool thread, and a call waiting for the
 * write lock sleeps there in the busy handler. With several transactions of one process waiting,
 * the pool (4 threads by default) fills with sleepers and the transaction that holds the lock cannot
 * get a thread to COMMIT, so everyone times out with SQLITE_BUSY. Transactions begin IMMEDIATE (they
 * take the write lock at BEGIN), so only one can make progress across all processes anyway; queuing
 * them in-process loses no concurrency and leaves the pool free.
 *
 * Why one write connection: since transactions of a process run one at a time anyway, they all use
 * one connection kept open, instead of Sequelize's fresh connection per transaction. Opening one
 * (file, WAL index, schema parse, PRAGMAs) and closing it again cost more CPU than the transaction
 * itself: about a third of the worker's time outside OCR (profiled).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

/** PRAGMAs run on every new connection, in order. */
export const SQLITE_PRAGMAS = [
  // Readers do not block the writer and vice versa; the mode is stored in the file.
  'PRAGMA journal_mode = WAL',
  // Durable at checkpoints, fsync-free per commit: WAL's recommended setting; a power cut may lose
  // the last commits, never corrupt the file.
  'PRAGMA synchronous = NORMAL',
  'PRAGMA foreign_keys = ON',
];

type SqliteCall = (sql: string, ...rest: unknown[]) => unknown;

interface SqliteConnection {
  uuid?: string | undefined;
  filename?: string;
  configure(option: 'busyTimeout', ms: number): void;
  run: SqliteCall;
  all: SqliteCall;
  exec: SqliteCall;
}

/** The statement Sequelize's SQLite dialect runs before every SELECT to learn the columns' types. */
const TABLE_INFO = /^PRAGMA table_info\(`([^`]+)`\)$/;
/** Statements that change a table's columns (migrations): the cached column types are dropped. */
const DDL = /^\s*(CREATE|ALTER|DROP)\b/i;

/**
 * Answers Sequelize's per-SELECT `PRAGMA table_info` from a cache shared by the instance's
 * connections: a fifth of the worker's SQLite statements asked the same question again (profiled).
 * Any CREATE, ALTER or DROP on any connection empties the cache.
 */
function cacheColumnTypes(connection: SqliteConnection, cache: Map<string, unknown>): void {
  const { run, all, exec } = connection;
  const watchingDdl =
    (call: SqliteCall): SqliteCall =>
    (sql, ...rest) => {
      if (DDL.test(sql)) cache.clear();
      return call.call(connection, sql, ...rest);
    };
  connection.run = watchingDdl(run);
  connection.exec = watchingDdl(exec);
  connection.all = (sql, ...rest) => {
    const table = TABLE_INFO.exec(sql)?.[1];
    const callback = rest[0];
    if (table === undefined || rest.length !== 1 || typeof callback !== 'function')
      return watchingDdl(all)(sql, ...rest);
    const done = callback as (error: Error | null, rows?: unknown) => void;
    if (cache.has(table)) {
      process.nextTick(done, null, cache.get(table));
      return connection;
    }
    return all.call(connection, sql, (error: Error | null, rows: unknown) => {
      if (!error) cache.set(table, rows);
      done(error, rows);
    });
  };
}

interface SqliteConnectionManager {
  connections: Record<string, SqliteConnection | undefined>;
  getConnection(options?: { uuid?: string }): Promise<SqliteConnection>;
  releaseConnection(connection: SqliteConnection, force?: boolean): unknown;
  destroyConnection?(connection: SqliteConnection): Promise<unknown>;
}

/** A FIFO lock; `acquire` resolves to the function that releases it (idempotent). */
class Gate {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  async acquire(): Promise<() => void> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held = false;
    };
  }
}

/** The key of the write connection among Sequelize's connections (closed with them at exit). */
const WRITER = 'ocr-jobs-writer';

function storage(db: Sequelize): string {
  return (db.options as { storage?: string }).storage ?? ':memory:';
}

function run(connection: SqliteConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) =>
    connection.run(sql, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Installs the PRAGMAs and the per-process write-transaction gate on a SQLite Sequelize instance. */
export function configureSqliteConnections(db: Sequelize, busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS): void {
  const manager = db.connectionManager as unknown as SqliteConnectionManager;
  const open = manager.getConnection.bind(manager);
  const release = manager.releaseConnection.bind(manager);
  const destroy = manager.destroyConnection?.bind(manager);
  const configured = new WeakSet<SqliteConnection>();
  const gate = new Gate();
  const releases = new Map<string, () => void>();
  /** The connection every transaction uses (file databases; an in-memory one is a single connection anyway). */
  let writer: Promise<SqliteConnection> | undefined;

  const columnTypes = new Map<string, unknown>();

  const configure = async (connection: SqliteConnection) => {
    if (configured.has(connection)) return;
    configured.add(connection);
    cacheColumnTypes(connection, columnTypes);
    connection.configure('busyTimeout', busyTimeoutMs);
    for (const pragma of SQLITE_PRAGMAS) await run(connection, pragma);
  };
  const openWriter = () => {
    writer ??= open({ uuid: WRITER }).then(
      async (connection) => {
        await configure(connection);
        return connection;
      },
      (error: unknown) => {
        writer = undefined;
        throw error;
      },
    );
    return writer;
  };

  const releaseGate = (connection: SqliteConnection) => {
    if (!connection.uuid) return;
    releases.get(connection.uuid)?.();
    releases.delete(connection.uuid);
  };

  manager.getConnection = async (options) => {
    const uuid = options?.uuid;
    // A transaction asks once for a connection of its own (uuid = transaction id).
    const isNewTransaction = uuid !== undefined && uuid !== 'default' && !manager.connections[uuid];
    if (isNewTransaction) releases.set(uuid, await gate.acquire());
    try {
      if (isNewTransaction && storage(db) !== ':memory:') {
        const connection = await openWriter();
        // Sequelize finds a transaction's connection by its id.
        manager.connections[uuid] = connection;
        return connection;
      }
      const connection = await open(options);
      await configure(connection);
      return connection;
    } catch (error) {
      if (isNewTransaction) {
        releases.get(uuid)?.();
        releases.delete(uuid);
      }
      throw error;
    }
  };
  manager.releaseConnection = (connection, force) => {
    if (connection.uuid && connection.uuid !== WRITER && manager.connections[WRITER] === connection) {
      // The transaction is over; its connection stays open for the next one.
      delete manager.connections[connection.uuid];
      releaseGate(connection);
      return undefined;
    }
    releaseGate(connection);
    return release(connection, force);
  };
  if (destroy) {
    manager.destroyConnection = async (connection) => {
      releaseGate(connection);
      return destroy(connection);
    };
  }
}
