import { test as base } from 'vitest';
import { createHarness, type Tenant } from './harness.ts';
import { createRestHarness } from './rest.ts';

export { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';

/**
 * A test file's database, app and tenant, made once for the file and dropped after it: a test
 * names what it needs (`async ({ harness, tenant }) => …`), and only what some test names is made.
 * `test` gives the GraphQL harness; `restTest` the harness with the whole HTTP app over it.
 * A file names its tenant with `test.override('tenantName', 'Hostile')` at its top level.
 */
function withHarness<H extends { close(): Promise<void>; createTenant(name?: string): Promise<Tenant> }>(create: () => Promise<H>) {
  return (
    base
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
      .extend('harness', { scope: 'file' }, async ({}, { onCleanup }) => {
        const harness = await create();
        onCleanup(() => harness.close());
        return harness;
      })
      .extend('tenantName', { scope: 'file' }, 'Tenant')
      .extend('tenant', { scope: 'file' }, ({ harness, tenantName }) => harness.createTenant(tenantName))
  );
}

export const test = withHarness(createHarness);
export const restTest = withHarness(createRestHarness);
