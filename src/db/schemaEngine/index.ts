export { postgresFactory, type ShadowDatabase, sqliteFactory } from './adapters.ts';
export { type MigrationDirectory, type MigrationFactory, type MigrationList, NO_FILTER, type SchemaEngine, withEngine } from './engine.ts';
export { isMissingMigrationsTable } from './missingMigrationsTable.ts';
