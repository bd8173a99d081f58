import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { authenticate } from '../auth/apiKeys.ts';
import type { Db } from '../db/client.ts';

/**
 * Trusted documents: the operations frontends ship, known by their hash from a manifest
 * written at build time (`{ "<sha256 hash>": "<document>", ... }`, the shape GraphQL Code
 * Generator's persisted documents and relay-compiler's persist output both write).
 */
export interface TrustedDocuments {
  /** Hash → document. */
  documents: ReadonlyMap<string, string>;
  /** Run only the manifest's documents; a raw document is refused unless its key is open. */
  only: boolean;
  /** API key ids that may still send any document in `only` mode (service keys, people in GraphiQL). */
  openKeyIds: ReadonlySet<string>;
}

/** Reads and checks a manifest; the error says what is wrong with it (the caller names the setting). */
export function readManifest(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new Error(`${path} must hold one JSON object of hash → document`);
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== 'string') throw new Error(`${path}: the entry "${hash.slice(0, 80)}" is not a document string`);
    try {
      parse(document);
    } catch (error) {
      throw new Error(`${path}: the document of "${hash.slice(0, 80)}" does not parse: ${(error as Error).message}`);
    }
    documents.set(hash, document);
  }
  return documents;
}

/**
 * Yoga's persisted-operations plugin over the manifest: a request naming a hash
 * (`extensions.persistedQuery.sha256Hash`, on GET or POST) runs that document; an unknown hash
 * is PersistedQueryNotFound. In `only` mode a raw document is PersistedQueryOnly unless its
 * x-api-key is one of the open keys (checked like any key: a revoked one is not open).
 */
export function trustedDocumentsPlugin(db: Db, trusted: TrustedDocuments): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => trusted.documents.get(hash) ?? null,
    allowArbitraryOperations: !trusted.only
      ? true
      : async (request) => {
          if (trusted.openKeyIds.size === 0) return false;
          const caller = await authenticate(db, request.headers.get('x-api-key'));
          return caller !== null && trusted.openKeyIds.has(caller.keyId);
        },
  }) as Plugin;
}
