/**
 * The operator's CLI: npm run admin -- <command> [--option value ...]
 * Prints one JSON object per command; bad arguments exit with code 2.
 */
import { parseArgs } from 'node:util';
import { createApiKey, revokeApiKey } from '../auth/apiKeys.ts';
import { ConfigError, readDatabaseUrl } from '../config.ts';
import { connectDb, type Db } from '../db/client.ts';
import { deployMigrations } from '../db/migrate.ts';
import { createAccount } from '../domain/accounts.ts';
import { closeCase, openCase } from '../domain/cases.ts';
import { createCreditor } from '../domain/creditors.ts';
import { InvalidArgumentError } from '../domain/errors.ts';
import { formatOre } from '../domain/money.ts';
import { importFromCli } from './importFile.ts';

type Options = Record<string, string | undefined>;

const COMMANDS: Record<string, { options: string[]; optional?: string[]; file?: boolean; run(db: Db, o: Options): Promise<object> }> = {
  import: {
    options: ['account'],
    file: true,
    run: (db, o) => importFromCli(db, o.account!, o.file!),
  },
  'create-account': {
    options: ['name'],
    run: async (db, o) => {
      const account = await createAccount(db, o.name!);
      return { accountId: account.id, name: account.name };
    },
  },
  'create-api-key': {
    options: ['account'],
    run: async (db, o) => {
      const { id, key } = await createApiKey(db, o.account!);
      return { keyId: id, accountId: o.account, apiKey: key };
    },
  },
  'revoke-api-key': {
    options: ['key-id'],
    run: async (db, o) => {
      const revoked = await revokeApiKey(db, o['key-id']!);
      return { keyId: revoked.id, revokedAt: revoked.revokedAt.toISOString() };
    },
  },
  'create-creditor': {
    options: ['account', 'name'],
    run: async (db, o) => {
      const creditor = await createCreditor(db, o.account!, o.name!);
      return { creditorId: creditor.id, accountId: creditor.accountId, name: creditor.name };
    },
  },
  'create-case': {
    options: ['creditor', 'invoice-number', 'reference-number', 'capital'],
    optional: ['costs', 'interest'],
    run: async (db, o) => {
      const created = await openCase(db, {
        creditorId: o.creditor!,
        invoiceNumber: o['invoice-number']!,
        referenceNumber: o['reference-number']!,
        capital: o.capital!,
        costs: o.costs,
        interest: o.interest,
      });
      return {
        caseId: created.id,
        creditorId: created.creditorId,
        invoiceNumber: created.invoiceNumber,
        referenceNumber: created.referenceNumber,
        state: created.state,
        remainingCosts: formatOre(created.remainingCosts),
        remainingInterest: formatOre(created.remainingInterest),
        remainingCapital: formatOre(created.remainingCapital),
      };
    },
  },
  'close-case': {
    options: ['case'],
    run: async (db, o) => {
      const closed = await closeCase(db, o.case!);
      return { caseId: closed.id, state: closed.state };
    },
  },
};

function usage(problem: string): never {
  console.error(`admin: ${problem}\n\nUsage: npm run admin -- <command> [--option value ...]`);
  for (const [name, c] of Object.entries(COMMANDS)) {
    console.error(`  ${name} ${c.options.map((o) => `--${o} <value>`).join(' ')} ${(c.optional ?? []).map((o) => `[--${o} <value>]`).join(' ')}`);
  }
  process.exit(2);
}

const [commandName, ...rest] = process.argv.slice(2);
const command = commandName ? COMMANDS[commandName] : undefined;
if (!command) usage(commandName ? `unknown command "${commandName}"` : 'no command given');
const allOptions = [...command.options, ...(command.optional ?? [])];
let values: Options;
try {
  const parsed = parseArgs({
    args: rest,
    options: Object.fromEntries(allOptions.map((o) => [o, { type: 'string' as const }])),
    strict: true,
    allowPositionals: command.file === true,
  });
  values = { ...(parsed.values as Options), file: parsed.positionals[0] };
  if (command.file && parsed.positionals.length !== 1) usage(`${commandName} needs one file`);
} catch (error) {
  usage((error as Error).message);
}
const missing = command.options.filter((o) => !values[o]);
if (missing.length > 0) usage(`${commandName} needs ${missing.map((o) => `--${o}`).join(', ')}`);

const databaseUrl = readDatabaseUrlOrExit();
await deployMigrations(databaseUrl);
const db = await connectDb(databaseUrl);
try {
  console.log(JSON.stringify(await command.run(db, values)));
} catch (error) {
  if (!(error instanceof InvalidArgumentError)) throw error;
  console.error(`admin: ${error.message}`);
  process.exitCode = 2;
} finally {
  await db.$disconnect();
}

function readDatabaseUrlOrExit(): string {
  try {
    return readDatabaseUrl();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`admin: ${error.message}`);
    process.exit(2);
  }
}
