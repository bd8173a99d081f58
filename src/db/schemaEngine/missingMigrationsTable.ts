/**
 * Workaround 2 (docs/migrations.md): on a fresh database the engine fails with P1014 (no
 * _prisma_migrations table) instead of reporting hasMigrationsTable: false.
 */
export function isMissingMigrationsTable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P1014';
}
