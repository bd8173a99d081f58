import { createApiKey } from '../../src/auth/apiKeys.ts';
import { closeCase } from '../../src/domain/cases.ts';
import { fieldMessage } from '../../src/domain/errors.ts';
import { registerPayment } from '../../src/domain/payments.ts';
import { onPostgres } from '../support/database.ts';
import { countDriverCalls } from '../support/driverStatements.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';
import { paymentBody } from '../support/registration.ts';

/** Statements per registration, counted at the driver as the bench counts them. */
const driver = countDriverCalls();

async function counted<T>(run: () => Promise<T>): Promise<{ result: T; statements: number; notifications: number }> {
  driver.statements = 0;
  driver.notifications = 0;
  const result = await run();
  // The announcement is sent without waiting for it: let it reach the driver before counting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { result, statements: driver.statements, notifications: driver.notifications };
}

const input = (creditor: string, caseId: string, overrides: Record<string, unknown> = {}) => ({
  creditor,
  case: caseId,
  currency: 'SEK',
  amount: '40.00',
  bankTransactionDate: '2025-07-04T16:20:41Z',
  origin: 'creditor_system',
  ...overrides,
});

describe('statements per registerPayment', () => {
  test('a new payment: BEGIN, the case found and locked in one UPDATE, its balance, the INSERT, COMMIT', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const { result, statements: n } = await counted(() =>
      registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id, { creditorPaymentReference: 'S-1' })),
    );
    expect(result).toMatchObject({ ok: true, replayed: false, payment: { settledCapital: 4000n, status: 'completed' } });
    expect(n).toBe(5);
    expect(await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ remainingCapital: 6000n, version: 1 });

    // By invoice number: the same statements.
    const byInvoice = await counted(() =>
      registerPayment(
        h.db,
        tenant.accountId,
        input(tenant.creditorId, '', { case: undefined, invoiceNumber: c.invoiceNumber, creditorPaymentReference: 'S-2' }),
      ),
    );
    expect(byInvoice.result).toMatchObject({ ok: true, payment: { caseId: c.id, settledCapital: 4000n } });
    expect(byInvoice.statements).toBe(5);
  });

  test('a closed case takes nothing: its balance is not written (4 statements)', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    await closeCase(h.db, c.id);
    const { result, statements: n } = await counted(() => registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id)));
    expect(result).toMatchObject({ ok: true, payment: { status: 'error', settledCapital: 0n } });
    expect(n).toBe(4);
  });

  test('a replay and a conflict are told by the unique constraint, then looked up; nothing of theirs is stored', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const first = await registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id, { creditorPaymentReference: 'S-R' }));
    if (!first.ok) throw new Error('first registration failed');
    const before = await h.counts();
    const caseBefore = await h.db.case.findUniqueOrThrow({ where: { id: c.id } });

    const replay = await counted(() => registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id, { creditorPaymentReference: 'S-R' })));
    expect(replay.result).toMatchObject({ ok: true, replayed: true, payment: { id: first.payment.id, settledCapital: 4000n } });
    if (replay.result.ok) expect(replay.result.case).toEqual(caseBefore);
    const conflict = await registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id, { creditorPaymentReference: 'S-R', amount: '41.00' }));
    expect(conflict).toMatchObject({ ok: false, errors: [{ field: 'creditorPaymentReference', code: 'CONFLICT' }] });
    if (!conflict.ok) {
      expect(conflict.errors).toHaveLength(1);
      expect(fieldMessage(conflict.errors[0]!.message, (f) => f)).toBe(
        `creditorPaymentReference was already used for payment ${first.payment.id} with different content`,
      );
    }
    // The same through the Idempotency-Key.
    const keyed = await registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id), { idempotencyKey: 'K-1' });
    expect(keyed).toMatchObject({ ok: true, replayed: false });
    const keyedAgain = await registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id), { idempotencyKey: 'K-1' });
    expect(keyedAgain).toMatchObject({ ok: true, replayed: true, payment: { id: keyed.ok ? keyed.payment.id : '' } });
    expect(await registerPayment(h.db, tenant.accountId, input(tenant.creditorId, c.id, { amount: '1' }), { idempotencyKey: 'K-1' })).toMatchObject({
      ok: false,
      errors: [{ field: 'idempotencyKey', code: 'CONFLICT' }],
    });
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });
    // The replays and the conflict rolled back their settlements: only the keyed payment's 40.00 was taken.
    expect(await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({
      remainingCapital: caseBefore.remainingCapital - 4000n,
      version: caseBefore.version + 1,
    });
  });

  test("another account's case is not found, and not locked or changed", async ({ harness: h, tenant }) => {
    const other = await h.createTenant('Other');
    const theirs = await other.openCase({ capital: '100.00' });
    const before = await h.db.case.findUniqueOrThrow({ where: { id: theirs.id } });
    const result = await registerPayment(h.db, tenant.accountId, input(tenant.creditorId, theirs.id));
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'case', code: 'NOT_FOUND' }] });
    // With the other account's creditor too: that creditor is not found, nothing else is said.
    const both = await registerPayment(h.db, tenant.accountId, input(other.creditorId, theirs.id));
    expect(both).toMatchObject({ ok: false, errors: [{ field: 'creditor', code: 'NOT_FOUND' }] });
    expect(await h.db.case.findUniqueOrThrow({ where: { id: theirs.id } })).toEqual(before);
  });
});

describe('statements per POST /creditor--payments', () => {
  test("the registration's 5, and the API key's read only the first time the process sees the key (8 in all before)", async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const { key } = await createApiKey(h.db, tenant.accountId);
    const post = (reference: string) =>
      counted(() =>
        h.rest.post('/creditor--payments', paymentBody(tenant.creditorId, c.id, { amount: 10, creditor_payment_reference: reference }), { apiKey: key }),
      );
    // SQLite also reads the file's data_version, in memory, on every request (src/auth/verifiedKeys.ts).
    const perRequest = onPostgres ? 0 : 1;
    const first = await post('S-REST-1');
    expect(first.result.status).toBe(201);
    expect(first.statements).toBe(1 + 5 + perRequest);
    const second = await post('S-REST-2');
    expect(second.result.status).toBe(201);
    expect(second.statements).toBe(5 + perRequest);
    // On Postgres the stored payment is also announced to other processes' subscribers, once.
    expect(second.notifications).toBe(onPostgres ? 1 : 0);
  });
});
