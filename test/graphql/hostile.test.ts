import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import pino from 'pino';
import { LIMITS } from '../../src/graphql/limits.ts';
import { createGraphQL } from '../../src/graphql/yoga.ts';
import { onPostgres } from '../support/database.ts';
import { test as base, describe, expect } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { REGISTER, seedExample } from './operations.ts';

/**
 * Single hostile requests: each is refused quickly with a small 4xx GraphQL error, and while a
 * few of them run another client's ordinary query is answered within a second.
 */
let caseId: string;

interface Answer {
  status: number;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  ms: number;
}

const ORDINARY = JSON.stringify({ query: '{ creditors(first: 5) { totalCount edges { node { id name } } } }' });

const test = base
  .override('tenantName', 'Hostile')
  .extend('send', ({ harness: h, tenant }) => async (body: string): Promise<Answer> => {
    const started = performance.now();
    const response = await h.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body,
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text), ms: performance.now() - started };
  })
  /**
   * Sends the attack three times at once and, 20 ms later, an ordinary query; the ordinary
   * query's time counts from when it was due, so a stalled event loop shows in it.
   */
  .extend('underAttack', ({ send, tenant }) => async (attack: string) => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const due = performance.now() + 20;
    const ordinary = new Promise<Answer>((resolve, reject) => setTimeout(() => send(ORDINARY).then(resolve, reject), 20)).then((a) => ({
      ...a,
      ms: performance.now() - due,
    }));
    const attacks = await Promise.all([send(attack), send(attack), send(attack)]);
    const answered = await ordinary;
    delay.disable();
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ data: { creditors: { totalCount: 1, edges: [{ node: { id: tenant.creditorId, name: 'Hostile Creditor AB' } }] } } });
    expect(answered.ms, 'the ordinary query waited').toBeLessThan(1_000);
    expect(delay.max / 1e6, 'the event loop stalled (ms)').toBeLessThan(1_000);
    return attacks;
  });

test.beforeAll(async ({ tenant }) => {
  caseId = (await tenant.openCase({ capital: '100.00' })).id;
});

/** Refused with a 4xx in GraphQL's error shape, quickly, and with a small answer. */
function expectRefused(answer: Answer, message: RegExp, requestLength: number, withinMs = 1_000) {
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  expect(answer.body.data ?? null).toBeNull();
  expect(answer.body.errors?.[0]?.message).toMatch(message);
  expect(answer.ms, 'answered in (ms)').toBeLessThan(withinMs);
  expect(answer.text.length).toBeLessThan(Math.max(2_000, requestLength / 4));
}

describe('variables', () => {
  test('refuses a registerPayment whose input carries 5,000 unknown fields, and keeps answering others', async ({ harness: h, tenant, underAttack }) => {
    const input: Record<string, unknown> = seedExample(tenant.creditorId, caseId);
    for (let i = 0; i < 5_000; i++) input[`f${i}`] = 1;
    const attack = JSON.stringify({ query: REGISTER, variables: { input } });
    const before = await h.counts();
    for (const answer of await underAttack(attack)) expectRefused(answer, /Variables too large/, attack.length);
    expect(await h.counts()).toEqual(before);
  });

  test('refuses variables just under the body limit as quickly', async ({ tenant, send }) => {
    const input: Record<string, unknown> = seedExample(tenant.creditorId, caseId);
    for (let i = 0; i < 70_000; i++) input[`f${i}`] = 1;
    const attack = JSON.stringify({ query: REGISTER, variables: { input } });
    expect(attack.length).toBeLessThan(1024 * 1024);
    // Reading a megabyte of JSON is most of the time here; before, this request exhausted the heap.
    expectRefused(await send(attack), /Variables too large/, attack.length, 5_000);
  });

  test('reports a few errors, each naming its field with a short quote, for 400 unknown fields (26 KB)', async ({ tenant, underAttack }) => {
    const input: Record<string, unknown> = seedExample(tenant.creditorId, caseId);
    for (let i = 0; i < 400; i++) input[`unknown${i}`] = 'x'.repeat(50);
    const attack = JSON.stringify({ query: REGISTER, variables: { input } });
    expect(attack.length).toBeGreaterThan(25_000);
    const [answer] = await underAttack(attack);
    expectRefused(answer!, /^Variable "\$input" got invalid value/, attack.length);
    const errors = answer!.body.errors!;
    expect(errors.length).toBeLessThanOrEqual(LIMITS.errors + 1);
    expect(errors.slice(0, LIMITS.errors).map((e) => /Field "(unknown\d+)" is not defined by type "RegisterPaymentInput"/.exec(e.message)?.[1])).toEqual(
      Array.from({ length: LIMITS.errors }, (_, i) => `unknown${i}`),
    );
  });

  test('shortens the values an error quotes, and keeps the field and the reason', async ({ tenant, send }) => {
    const currency = 'S'.repeat(5_000);
    const answer = await send(JSON.stringify({ query: REGISTER, variables: { input: { ...seedExample(tenant.creditorId, caseId), currency } } }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    const { message } = answer.body.errors![0]!;
    expect(message.length).toBeLessThanOrEqual(LIMITS.errorMessageLength);
    expect(message).toBe(
      `Variable "$input" got invalid value "${'S'.repeat(80)}…" at "input.currency"; Value "${'S'.repeat(80)}…" does not exist in "Currency" enum.`,
    );
  });

  test('still reports an ordinary bad variable in full', async ({ tenant, send }) => {
    const answer = await send(JSON.stringify({ query: REGISTER, variables: { input: { ...seedExample(tenant.creditorId, caseId), currency: 'EUR' } } }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0]!.message).toMatch(
      /^Variable "\$input" got invalid value .* at "input.currency"; Value "EUR" does not exist in "Currency" enum\.$/,
    );
  });
});

describe('documents, refused before anything is compiled or run', () => {
  /** Fragments that each spread the next one twice: the expanded query doubles per level. */
  function doubling(levels: number, prefix: string): string {
    let document = `query { creditors(first: 1) { edges { node { ...${prefix}0 } } } }\n`;
    for (let i = 0; i < levels; i++) document += `fragment ${prefix}${i} on Creditor { ...${prefix}${i + 1} ...${prefix}${i + 1} }\n`;
    return `${document}fragment ${prefix}${levels} on Creditor { id }\n`;
  }

  test('refuses fragments that double per level (renamed each time, so no cache helps), and keeps answering others', async ({ send, underAttack }) => {
    const attack = JSON.stringify({ query: doubling(22, 'A') });
    for (const answer of await underAttack(attack)) expectRefused(answer, /Query too large/, attack.length);
    const renamed = JSON.stringify({ query: doubling(23, 'B') });
    expectRefused(await send(renamed), /Query too large/, renamed.length);
  });

  test('refuses the same doubling through introspection, which cost and depth do not count', async ({ underAttack }) => {
    let document = `{ __schema { types { ...I0 } } }\n`;
    for (let i = 0; i < 22; i++) document += `fragment I${i} on __Type { name ...I${i + 1} ...I${i + 1} }\n`;
    const attack = JSON.stringify({ query: `${document}fragment I22 on __Type { name }` });
    for (const answer of await underAttack(attack)) expectRefused(answer, /Query too large/, attack.length);
  });

  test('refuses 300 nested levels quickly', async ({ underAttack }) => {
    let nested = 'id';
    for (let i = 0; i < 75; i++) nested = `creditor { cases { edges { node { ${nested} } } } }`;
    const attack = JSON.stringify({ query: `{ case(id: "${caseId}") { ${nested} } }` });
    for (const answer of await underAttack(attack)) expectRefused(answer, /Query too large/, attack.length);
  });

  test('refuses cost, depth and breadth before execution, with a 4xx', async ({ send }) => {
    const costly = await send(JSON.stringify({ query: '{ cases(first: 100) { edges { node { payments(first: 100) { edges { node { id } } } } } } }' }));
    expectRefused(costly, /complexity/i, 0);
    expect(costly.body.errors![0]!.extensions?.code).toBe('QUERY_COMPLEXITY');
    // Page sizes from variables count too.
    const query = 'query($n: Int) { cases(first: $n) { edges { node { payments(first: $n) { edges { node { id } } } } } } }';
    expect((await send(JSON.stringify({ query, variables: { n: 2 } }))).body.errors).toBeUndefined();
    expectRefused(await send(JSON.stringify({ query, variables: { n: 100 } })), /complexity/i, 0);
    expectRefused(await send(JSON.stringify({ query: `{ creditors { edges { node { ${'id '.repeat(101)} } } } }` })), /breadth/i, 0);
  });

  test("answers documents at the limits quickly: GraphiQL's introspection, and a query expanding to the limit", async ({ send }) => {
    const introspection = await send(
      JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }) }),
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body.data.__schema.types.length).toBeGreaterThan(10);
    // 2^7 × 2 fields of introspection, about half the expanded-size limit, each document compiled afresh.
    for (const prefix of ['P', 'Q']) {
      let document = `{ __schema { types { ...${prefix}0 } } }\n`;
      for (let i = 0; i < 7; i++) document += `fragment ${prefix}${i} on __Type { ...${prefix}${i + 1} ...${prefix}${i + 1} }\n`;
      document += `fragment ${prefix}7 on __Type { name kind }\n`;
      const answer = await send(JSON.stringify({ query: document }));
      expect(answer.body.errors).toBeUndefined();
      expect(answer.ms).toBeLessThan(1_000);
    }
  });
});

describe('subscriptions to fields the schema lacks', () => {
  test.for(['subscription { x }', 'subscription Watch { creditors { totalCount } }'])(
    'answers %s as a query asking for an unknown field',
    async (query, { send }) => {
      const answer = await send(JSON.stringify({ query }));
      expect(answer.status).toBe((await send(JSON.stringify({ query: '{ x }' }))).status);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors![0]!.message).toMatch(/^Cannot query field "(x|creditors)" on type "Subscription"/);
    },
  );
});

describe('error answers', () => {
  test('reports at most a few errors, and says how many were left out', async ({ send }) => {
    const query = `{ ${Array.from({ length: 40 }, (_, i) => `nope${i}`).join(' ')} }`;
    const answer = await send(JSON.stringify({ query }));
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.errors).toHaveLength(LIMITS.errors + 1);
    expect(answer.body.errors![0]!.message).toMatch(/Cannot query field "nope0"/);
    expect(answer.body.errors![LIMITS.errors]!.message).toBe(`${40 - LIMITS.errors} more errors left out.`);
  });

  test('shortens a message quoting a long literal', async ({ send }) => {
    const query = `{ creditors(first: "${'9'.repeat(20_000)}") { totalCount } }`;
    const answer = await send(JSON.stringify({ query }));
    expect(answer.body.errors![0]!.message).toBe(`Int cannot represent non-integer value: "${'9'.repeat(80)}…"`);
    expect(answer.text.length).toBeLessThan(2_000);
  });
});

/** A GraphQL app over the harness's database whose error log lines are kept. */
function loggedGraphQL(db: Harness['db'], apiKey: string) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'error' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const yoga = createGraphQL({ db, logger });
  const ask = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, text: await response.text() };
  };
  return { lines, ask };
}

describe('unexpected errors', () => {
  test('masks and logs once an error thrown while serialising a value (an invalid Date)', async ({ harness: h, tenant }) => {
    const { lines, ask } = loggedGraphQL(h.db, tenant.apiKey);
    const registered = await h.graphql(
      REGISTER,
      { input: seedExample(tenant.creditorId, caseId, { creditorPaymentReference: 'BAD-DATE' }) },
      { apiKey: tenant.apiKey },
    );
    const id = registered.body.data.registerPayment.payment.id;
    // A date the database holds but JavaScript cannot (Postgres reads year 10000 as an invalid Date).
    if (onPostgres) await h.db.$executeRawUnsafe(`UPDATE "Payment" SET "clientRegistrationDate" = '10000-01-01' WHERE id = $1`, id);
    else await h.db.$executeRawUnsafe(`UPDATE "Payment" SET "clientRegistrationDate" = 'not a date' WHERE id = ?`, id);
    const answer = await ask('query($id: ID!) { payment(id: $id) { id clientRegistrationDate } }', { id });
    expect(answer.text).not.toMatch(/Invalid time value|RangeError/);
    expect(JSON.parse(answer.text).errors.map((e: { message: string; extensions: unknown }) => [e.message, e.extensions])).toEqual([
      ['Unexpected error.', { code: 'INTERNAL_SERVER_ERROR' }],
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/unexpected error in a GraphQL request.*Invalid time value|Invalid time value.*unexpected error in a GraphQL request/);
  });

  test('logs once an error Yoga masks itself (the API keys cannot be read)', async ({ tenant }) => {
    const own = await createHarness();
    try {
      const { lines, ask } = loggedGraphQL(own.db, tenant.apiKey);
      await own.db.$executeRawUnsafe(onPostgres ? 'DROP TABLE "ApiKey" CASCADE' : 'DROP TABLE "ApiKey"');
      const answer = await ask('{ creditors { totalCount } }');
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text).errors.map((e: { message: string }) => e.message)).toEqual(['Unexpected error.']);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/unexpected error in a GraphQL request/);
    } finally {
      await own.close();
    }
  });
});
