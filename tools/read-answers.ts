/**
 * The read path's answers, byte for byte, so two revisions can be compared over one database:
 * a change to how lists and their projections are read must not change a single answer.
 *
 *   npx tsx tools/read-answers.ts seed <database url> <keys.json>   (the benchmark's seed plus a second account)
 *   npx tsx tools/read-answers.ts dump <database url> <keys.json> > answers.txt
 *
 * Run `dump` in each revision's checkout against the same seeded database and diff the outputs.
 * The queries cover lists with totalCount, cursors (pages 1 to 3), every filter, nested
 * connections (case.payments, creditor.cases) with their cursors, every field of every type,
 * another account's ids and cursors, and bad arguments.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { seed } from '../bench/seed.ts';
import { createApiKey } from '../src/auth/apiKeys.ts';
import { connectDb } from '../src/db/client.ts';
import { deployMigrations } from '../src/db/migrate.ts';
import { createAccount } from '../src/domain/accounts.ts';
import { openCase } from '../src/domain/cases.ts';
import { createCreditor } from '../src/domain/creditors.ts';
import { registerPayment } from '../src/domain/payments.ts';
import { createGraphQL } from '../src/graphql/yoga.ts';

const [mode, url, keysFile] = process.argv.slice(2);
if (!mode || !url || !keysFile) throw new Error('usage: read-answers.ts seed|dump <database url> <keys.json>');

const PAYMENT = `id amount settledAmount settledCosts settledInterest settledCapital status statusReasonLocale bankTransactionDate
  clientRegistrationDate bookingDate creditorPaymentReference origin currency etag createdAt updatedAt caseInvoiceNumber caseReferenceNumber
  account { id name } creditor { id name } case { id state invoiceNumber referenceNumber currency remainingCosts remainingInterest remainingCapital remainingTotal }`;
const INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const BENCH_LIST = `query { payments(first: 100) { edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } } pageInfo { hasNextPage endCursor } } }`;

if (mode === 'seed') {
  await deployMigrations(url);
  const seeded = await seed(url);
  const db = await connectDb(url);
  const account = await createAccount(db, 'Other account');
  const other = await createApiKey(db, account.id);
  const creditor = await createCreditor(db, account.id, 'Other Creditor AB');
  const theCase = await openCase(db, { creditorId: creditor.id, invoiceNumber: 'O-1', referenceNumber: 'OR-1', capital: '500.00' });
  for (let i = 0; i < 3; i++) {
    const input = {
      creditor: creditor.id,
      case: theCase.id,
      currency: 'SEK',
      amount: '10.00',
      bankTransactionDate: '2025-07-04T16:20:41Z',
      origin: 'creditor_system',
    };
    const r = await registerPayment(db, account.id, { ...input, creditorPaymentReference: `O-${i}` });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
  }
  writeFileSync(keysFile, JSON.stringify({ apiKey: seeded.apiKey, otherKey: other.key }));
  await db.$disconnect();
} else {
  const { apiKey, otherKey } = JSON.parse(readFileSync(keysFile, 'utf8')) as { apiKey: string; otherKey: string };
  const db = await connectDb(url);
  const yoga = createGraphQL({ db, logger: pino({ level: 'silent' }) });
  const ask = async (query: string, variables: Record<string, unknown> = {}, key = apiKey) => {
    const response = await yoga.fetch('http://answers/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query, variables }),
    });
    return `${response.status} ${await response.text()}`;
  };
  const out: string[] = [];
  const record = async (name: string, query: string, variables: Record<string, unknown> = {}, key = apiKey) => {
    const answer = await ask(query, variables, key);
    out.push(`${name}\t${answer}`);
    const body = JSON.parse(answer.slice(answer.indexOf(' ') + 1));
    if (!body.data && !name.startsWith('bad') && !name.startsWith('too')) throw new Error(`${name}: ${answer.slice(0, 500)}`);
    return body;
  };
  await record('bench list', BENCH_LIST);
  // Items asking of their case only what its projection holds (read narrow), with fragments and aliases, beside the whole case.
  const NARROW = `query($after: String) { payments(first: 50, after: $after) { edges { cursor node { id caseInvoiceNumber ...C c2: case { currency creditor { id name } } } } pageInfo { hasNextPage endCursor } } }
    fragment C on Payment { case { __typename id state invoiceNumber referenceNumber } }`;
  const narrow = await record('narrow case projection', NARROW);
  await record('narrow case projection page 2', NARROW, { after: narrow.data.payments.pageInfo.endCursor });
  await record(
    'narrow beside whole',
    `{ a: payments(first: 20) { edges { node { case { state } } } } b: payments(first: 20) { edges { node { case { state remainingTotal } } } } }`,
  );
  const LIST = `query($first: Int, $after: String, $filter: PaymentFilter) { payments(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { ${PAYMENT} } } ${INFO} } }`;
  let after: string | null = null;
  let sample: {
    id: string;
    status: string;
    creditorPaymentReference: string | null;
    case: { id: string };
    creditor: { id: string };
    bankTransactionDate: string;
  } | null = null;
  for (let page = 1; page <= 3; page++) {
    const body = await record(`payments page ${page}`, LIST, { first: 40, after });
    after = body.data.payments.pageInfo.endCursor;
    sample ??= body.data.payments.edges[7].node;
  }
  const s = sample!;
  for (const [name, filter] of Object.entries({
    creditor: { creditor: s.creditor.id },
    case: { case: s.case.id },
    status: { status: s.status },
    warning: { status: 'WARNING' },
    reference: { creditorPaymentReference: s.creditorPaymentReference },
    dates: { bankTransactionDateFrom: s.bankTransactionDate, bankTransactionDateTo: s.bankTransactionDate },
    from: { bankTransactionDateFrom: s.bankTransactionDate },
    nul: { creditorPaymentReference: 'a\u0000b' },
    unknown: { case: '000000000000000000000000' },
  })) {
    const first = await record(`filter ${name}`, LIST, { first: 10, filter });
    const end = first.data?.payments?.pageInfo?.endCursor;
    if (end) await record(`filter ${name} page 2`, LIST, { first: 10, after: end, filter });
  }
  const NESTED = `query($first: Int, $after: String) { payments(first: 30) { edges { node { id case { id payments(first: $first, after: $after) { totalCount edges { cursor node { ${PAYMENT} } } ${INFO} } } } } } }`;
  const nested = await record('nested case.payments', NESTED, { first: 3 });
  const nestedCursor = nested.data.payments.edges[0].node.case.payments.pageInfo.endCursor;
  await record('nested case.payments after', NESTED, { first: 3, after: nestedCursor });
  const CASES = `query($first: Int, $after: String, $filter: CaseFilter) { cases(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { id invoiceNumber referenceNumber currency state remainingCosts remainingInterest remainingCapital remainingTotal creditor { id name } payments(first: 2) { totalCount edges { node { id amount } } ${INFO} } } } ${INFO} } }`;
  const cases = await record('cases', CASES, { first: 20 });
  await record('cases page 2', CASES, { first: 20, after: cases.data.cases.pageInfo.endCursor });
  await record('cases filter', CASES, { first: 20, filter: { creditor: s.creditor.id, state: 'OPEN' } });
  await record('cases filter paid', CASES, { first: 20, filter: { state: 'PAID' } });
  const CREDITORS = `query($after: String) { creditors(first: 3, after: $after) { totalCount edges { cursor node { id name account { id name } cases(first: 4) { totalCount edges { cursor node { id invoiceNumber } } ${INFO} } } } ${INFO} } }`;
  const creditors = await record('creditors', CREDITORS);
  await record('creditors page 2', CREDITORS, { after: creditors.data.creditors.pageInfo.endCursor });
  await record('one of each', `query($p: ID!, $c: ID!, $cr: ID!) { payment(id: $p) { ${PAYMENT} } case(id: $c) { id state } creditor(id: $cr) { id name } }`, {
    p: s.id,
    c: s.case.id,
    cr: s.creditor.id,
  });
  const theirs = await record('other account list', LIST, { first: 5 }, otherKey);
  const theirPayment = theirs.data.payments.edges[0].node;
  await record('other account ids', `query($p: ID!, $c: ID!, $cr: ID!) { payment(id: $p) { id } case(id: $c) { id } creditor(id: $cr) { id } }`, {
    p: theirPayment.id,
    c: theirPayment.case.id,
    cr: theirPayment.creditor.id,
  });
  await record('other account cursor', LIST, { first: 5, after: theirs.data.payments.edges[0].cursor });
  await record('bad cursor', LIST, { first: 5, after: 'nope' });
  await record('too many', LIST, { first: 101 });
  await record('zero', LIST, { first: 0 });
  process.stdout.write(`${out.join('\n')}\n`);
  await db.$disconnect();
}
