import pino from 'pino';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { connectDb, type Db } from '../../src/db/client.ts';
import { deployMigrations } from '../../src/db/migrate.ts';
import { createAccount } from '../../src/domain/accounts.ts';
import { type NewCase, openCase } from '../../src/domain/cases.ts';
import { createCreditor } from '../../src/domain/creditors.ts';
import { type Payment, registerPayment } from '../../src/domain/payments.ts';
import { createGraphQL } from '../../src/graphql/yoga.ts';
import { createTestDatabase } from './database.ts';

export interface Tenant {
  accountId: string;
  apiKey: string;
  apiKeyId: string;
  creditorId: string;
  /** Opens a case of this tenant's creditor; amounts as decimal strings. */
  openCase(input: Partial<NewCase> & { capital: string }): Promise<{ id: string; invoiceNumber: string; referenceNumber: string }>;
  /**
   * Registers a payment through the domain (no face) for a test's setup: SEK from the creditor's
   * system, by this tenant's creditor unless another is named; a refusal fails the setup.
   */
  pay(input: { case: string; amount: string; bankTransactionDate: string; creditor?: string; creditorPaymentReference?: string | null }): Promise<Payment>;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

let invoiceCounter = 0;

/** A fresh, migrated database with the GraphQL app over it and a record of every SQL statement. */
export async function createHarness() {
  const database = await createTestDatabase();
  await deployMigrations(database.url);
  const queries: string[] = [];
  const db: Db = await connectDb(database.url, { onQuery: (sql) => queries.push(sql) });
  const yoga = createGraphQL({ db, logger: pino({ level: 'silent' }) });

  async function graphql(
    query: string,
    variables: Record<string, unknown> = {},
    { apiKey, headers = {} }: { apiKey?: string | null; headers?: Record<string, string> } = {},
  ): Promise<GraphQLResponse> {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: await response.json() };
  }

  async function createTenant(name = 'Tenant'): Promise<Tenant> {
    const account = await createAccount(db, name);
    const key = await createApiKey(db, account.id);
    const creditor = await createCreditor(db, account.id, `${name} Creditor AB`);
    return {
      accountId: account.id,
      apiKey: key.key,
      apiKeyId: key.id,
      creditorId: creditor.id,
      openCase: async (input) => {
        invoiceCounter += 1;
        return openCase(db, {
          creditorId: creditor.id,
          invoiceNumber: `INV-${invoiceCounter}`,
          referenceNumber: `REF-${invoiceCounter}`,
          ...input,
        });
      },
      pay: async (input) => {
        const result = await registerPayment(db, account.id, { creditor: creditor.id, currency: 'SEK', origin: 'creditor_system', ...input });
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        return result.payment;
      },
    };
  }

  /** Row counts of every table: "nothing was stored" is the same counts before and after. */
  async function counts() {
    const [payments, cases, creditors, accounts] = await Promise.all([db.payment.count(), db.case.count(), db.creditor.count(), db.account.count()]);
    return { payments, cases, creditors, accounts };
  }

  return {
    url: database.url,
    db,
    yoga,
    queries,
    graphql,
    createTenant,
    counts,
    async close() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
