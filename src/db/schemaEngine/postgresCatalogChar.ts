import type pg from 'pg';

/** Postgres' internal one-byte "char" type, and text. */
const CHAR_OID = 18;
const TEXT_OID = 25;

/**
 * Workaround 3 (docs/migrations.md): the engine's catalog queries return columns of Postgres'
 * internal "char" type, which adapter-pg cannot map. They hold one-letter codes: read them as
 * text. Done on the migration pool only, so the application's own Prisma clients are untouched.
 */
export function catalogCharAsText(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as (config: pg.QueryConfig | string) => Promise<pg.QueryResult>;
  const patched = async (config: pg.QueryConfig | string) => {
    const result = await query(config);
    for (const field of result.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    }
    return result;
  };
  return Object.assign(pool, { query: patched });
}
