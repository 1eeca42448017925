import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

/**
 * A Kysely dialect over one PGlite instance. The published kysely-pglite dialects pin older
 * PGlite majors (peer ^0.2-0.4), and the driver is this small, so it is kept here.
 *
 * PGlite is one connection: a query of one transaction must never interleave with another, so
 * connections are handed out one at a time (acquire waits until the previous one is released).
 */
export class PgliteDialect implements Dialect {
  /** `close`: what destroying the Kysely instance does to the cluster (by default, closes it). */
  constructor(
    private readonly db: PGlite,
    private readonly close: (db: PGlite) => Promise<void> = (db) => db.close(),
  ) {}
  createAdapter(): PostgresAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.db, this.close);
  }
  createIntrospector(db: Kysely<unknown>): PostgresIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): PostgresQueryCompiler {
    return new PostgresQueryCompiler();
  }
}

class PgliteDriver implements Driver {
  /** Resolves when the connection handed out last is released. */
  private released: Promise<void> = Promise.resolve();
  private readonly connection: PgliteConnection;

  constructor(
    private readonly db: PGlite,
    private readonly close: (db: PGlite) => Promise<void>,
  ) {
    this.connection = new PgliteConnection(db);
  }

  async init(): Promise<void> {
    await this.db.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.released;
    let release!: () => void;
    this.released = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.connection.release = release;
    return this.connection;
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.connection.release;
    this.connection.release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    await this.close(this.db);
  }
}

class PgliteConnection implements DatabaseConnection {
  release: (() => void) | undefined;

  constructor(private readonly db: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.db.query<R>(query.sql, [...query.parameters]);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  // eslint-disable-next-line require-yield -- the interface asks for a generator; PGlite has no cursors here.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite dialect: streaming queries are not supported');
  }
}
