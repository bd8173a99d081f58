/**
 * Prisma's schema engine compiled to WASM (@prisma/schema-engine-wasm), loaded by hand and run
 * through our driver adapters: Prisma Migrate without the native engine, which cannot be
 * downloaded everywhere. Each adapter defect it meets has its own module here, named after its
 * number in docs/migrations.md ("Workarounds, numbered").
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type ErrorRegistry, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import { withUnrefTimers } from './unrefTimers.ts';

export type { MigrationDirectory, MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

/** This schema has no externally managed tables or enums. */
export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/** A driver adapter factory that remembers its connections so they can all be closed. */
export interface MigrationFactory extends SqlMigrationAwareDriverAdapterFactory {
  closeAll(): Promise<void>;
}

type EngineModule = typeof engineGlue & { __wbg_set_wasm(exports: WebAssembly.Exports): void };

let engineLoaded: Promise<void> | undefined;

/**
 * The package's main entry imports the .wasm as an ES module, which Node 20 cannot do
 * without a flag: instantiate it by hand with the wasm-bindgen glue as its import.
 */
function loadEngine(): Promise<void> {
  engineLoaded ??= (async () => {
    // The package's exports map hides the .wasm; it sits beside the glue.
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': withUnrefTimers(engineGlue) });
    (engineGlue as EngineModule).__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return engineLoaded;
}

/** Runs `work` on a fresh engine over `factory`'s connections, and closes them all afterwards. */
export async function withEngine<T>(factory: MigrationFactory, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  try {
    await loadEngine();
    const log = process.env.DEBUG?.includes('prisma') ? (line: string) => console.error(line) : () => {};
    // No datamodels: every command used here takes its schema or migrations as input.
    const engine = await engineGlue.SchemaEngine.new({ datamodels: undefined }, log, adapter);
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } catch (error) {
    throw readableError(error, adapter.errorRegistry);
  } finally {
    // free() only releases WASM memory: open pools would keep the process alive.
    await factory.closeAll();
  }
}

/**
 * A JavaScript error thrown inside an adapter reaches us as "External error id#N" (the
 * original waits in the registry), and engine errors carry a Rust span trace: give back
 * the original error, or the engine's message with its Prisma error code.
 */
function readableError(error: unknown, registry: ErrorRegistry): unknown {
  if (!(error instanceof Error)) return error;
  const id = /External error id#(\d+)/.exec(error.message)?.[1];
  const original = id === undefined ? undefined : registry.consumeError(Number(id));
  if (original) return original.error;
  const [message = '', trace = ''] = error.message.split(/\n\s+0: /);
  const code = (error as { code?: unknown }).code;
  // A failed migration's name is only in the trace.
  const migration = /migration_name="([^"]+)"/.exec(trace)?.[1];
  const prefix = typeof code === 'string' ? `${code}: ` : migration ? `Migration ${migration} failed: ` : '';
  return new Error(prefix + message.trim(), { cause: error });
}
