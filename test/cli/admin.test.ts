import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/auth/apiKeys.ts';
import { connectDb, type Db } from '../../src/db/client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { runAdmin } from '../support/processes.ts';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await db?.$disconnect();
  await database.drop();
});

describe('admin CLI', () => {
  it('sets up an account, a key, a creditor and cases, and closes and revokes, printing one JSON object each', () => {
    const account = JSON.parse(runAdmin(database.url, ['create-account', '--name', 'Acme AB']).stdout);
    expect(account).toEqual({ accountId: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'Acme AB' });

    const key = JSON.parse(runAdmin(database.url, ['create-api-key', '--account', account.accountId]).stdout);
    expect(key.apiKey).toMatch(/^cpk_/);

    const creditor = JSON.parse(runAdmin(database.url, ['create-creditor', '--account', account.accountId, '--name', 'Acme Energy']).stdout);
    const created = runAdmin(database.url, [
      'create-case',
      '--creditor',
      creditor.creditorId,
      '--invoice-number',
      'INV-9',
      '--reference-number',
      '99',
      '--capital',
      '1000.50',
      '--costs',
      '60',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      invoiceNumber: 'INV-9',
      state: 'OPEN',
      remainingCapital: '1000.50',
      remainingCosts: '60.00',
      remainingInterest: '0.00',
    });
    const closed = JSON.parse(runAdmin(database.url, ['close-case', '--case', JSON.parse(created.stdout).caseId]).stdout);
    expect(closed.state).toBe('CLOSED');

    const revoked = runAdmin(database.url, ['revoke-api-key', '--key-id', key.keyId]);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ keyId: key.keyId });
    // The clear key is printed once and never stored.
    expect(revoked.stdout).not.toContain(key.apiKey);
  }, 120_000);

  it('exits 2 with a clear message on bad arguments', () => {
    for (const [args, message] of [
      [[], /no command/],
      [['launch-rockets'], /unknown command "launch-rockets"/],
      [['create-account'], /needs --name/],
      [['create-account', '--name', 'x', '--color', 'red'], /color/],
      [
        ['create-case', '--creditor', 'ffffffffffffffffffffffff', '--invoice-number', '1', '--reference-number', '1', '--capital', '10'],
        /creditor .* not found/,
      ],
      [['create-api-key', '--account', 'ffffffffffffffffffffffff'], /account .* not found/],
    ] as const) {
      const result = runAdmin(database.url, [...args]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
  }, 120_000);

  it('issues keys that authenticate until revoked', async () => {
    const account = JSON.parse(runAdmin(database.url, ['create-account', '--name', 'Keys AB']).stdout);
    const key = JSON.parse(runAdmin(database.url, ['create-api-key', '--account', account.accountId]).stdout);
    db = await connectDb(database.url);
    expect(await authenticate(db, key.apiKey)).toMatchObject({ accountId: account.accountId, account: { name: 'Keys AB' } });
    const revoked = runAdmin(database.url, ['revoke-api-key', '--key-id', key.keyId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await authenticate(db, key.apiKey)).toBeNull();
  }, 120_000);
});
