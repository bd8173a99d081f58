/**
 * Workaround 5 (docs/migrations.md): the engine arms a 10 s timer around Postgres'
 * pg_advisory_lock and never clears it (the glue imports no clearTimeout), which held every
 * deploy's process open 10 s. Gives the wasm-bindgen glue's imports with its timers unref'd,
 * so only real work keeps the process alive.
 */
export function withUnrefTimers(glue: Record<string, WebAssembly.ImportValue>): WebAssembly.ModuleImports {
  return Object.fromEntries(
    Object.entries(glue).map(([name, value]) =>
      name.startsWith('__wbg_setTimeout_') ? [name, (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref()] : [name, value],
    ),
  );
}
