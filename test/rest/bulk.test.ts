import { createApp } from '../../src/app.ts';
import { MAX_BULK_REGISTRATIONS } from '../../src/domain/vocabulary.ts';
import { losingConnectionAtCommit } from '../support/faults.ts';
import { describe, expect, restTest as test } from '../support/fixtures.ts';
import { paymentBody } from '../support/registration.ts';
import { restClient } from '../support/rest.ts';

const PAYMENTS = '/creditor--payments';
let refs = 0;
const ref = () => `BULK-${++refs}`;

describe('POST /creditor--payments with a JSON array (bulk insert)', () => {
  test('stores every payment, settled in the order sent, and answers 201 with one single-POST document per payment', async ({ harness: h, tenant }) => {
    const [a, b] = [await tenant.openCase({ capital: '100.00' }), await tenant.openCase({ capital: '50.00' })];
    const before = await h.counts();
    const body = [
      paymentBody(tenant.creditorId, a.id, { amount: 60, creditor_payment_reference: ref() }),
      paymentBody(tenant.creditorId, b.id, { amount: 10.5, creditor_payment_reference: ref() }),
      // The second on case a: only the 40.00 the first left is taken.
      paymentBody(tenant.creditorId, a.id, { amount: 60, creditor_payment_reference: ref() }),
    ];
    const res = await h.rest.post(PAYMENTS, body, { apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBeUndefined();
    expect(res.body._status).toBe('OK');
    expect(Object.keys(res.body)).toEqual(['_status', '_items']);
    const items = res.body._items;
    expect(items.map((i: any) => [i.settled_amount, i.status, i.status_reason_locale, i.case_invoice_number])).toEqual([
      [60, 'completed', null, a.invoiceNumber],
      [10.5, 'completed', null, b.invoiceNumber],
      [40, 'warning', 'creditor_payment.status_reason.overpayment', a.invoiceNumber],
    ]);
    // Each item is what a single POST answers: the same keys, and the stored payment behind it.
    const single = await h.rest.post(PAYMENTS, paymentBody(tenant.creditorId, b.id, { amount: 1, creditor_payment_reference: ref() }), {
      apiKey: tenant.apiKey,
    });
    for (const item of items) expect(Object.keys(item)).toEqual(Object.keys(single.body));
    for (const item of items) expect((await h.rest.get(`${PAYMENTS}/${item._id}`, { apiKey: tenant.apiKey })).body._etag).toBe(item._etag);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 4 });
    expect(await h.db.case.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ state: 'PAID', remainingCapital: 0n });
    expect(await h.db.case.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ remainingCapital: 3850n });
  });

  test('names 600 cases by invoice number in one array: each looked up (in pieces under the SQLite parameter limit)', async ({ harness: h, tenant }) => {
    const known = await tenant.openCase({ capital: '100.00' });
    const byInvoice = (invoiceNumber: string) => {
      const { case: _case, ...body } = paymentBody(tenant.creditorId, known.id, { creditor_payment_reference: ref() });
      return { ...body, invoice_number: invoiceNumber };
    };
    const body = [...Array.from({ length: 599 }, (_, i) => byInvoice(`NO-SUCH-${i}`)), byInvoice(known.invoiceNumber)];
    const before = await h.counts();
    const res = await h.rest.post(PAYMENTS, body, { apiKey: tenant.apiKey });
    expect(res.status).toBe(422);
    const statuses = res.body._items.map((i: { _status: string }) => i._status);
    expect(statuses.filter((s: string) => s === 'ERR')).toHaveLength(599);
    expect(statuses.at(-1)).toBe('OK');
    expect(await h.counts()).toEqual(before);
  });

  test("stores nothing when any fails: 422 with each payment's _status, _issues on those that failed, Eve's _error", async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const before = await h.counts();
    const caseBefore = await h.db.case.findUniqueOrThrow({ where: { id: c.id } });
    const good = () => paymentBody(tenant.creditorId, c.id, { amount: 10, creditor_payment_reference: ref() });
    const res = await h.rest.post(PAYMENTS, [good(), paymentBody(tenant.creditorId, c.id, { amount: -1 }), good()], { apiKey: tenant.apiKey });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      _status: 'ERR',
      _items: [{ _status: 'OK' }, { _status: 'ERR', _issues: { amount: 'amount must be greater than 0' } }, { _status: 'OK' }],
      _error: { code: 422, message: 'Insertion failure: 1 document(s) contain(s) error(s)' },
    });
    const two = await h.rest.post(
      PAYMENTS,
      [paymentBody(tenant.creditorId, 'f'.repeat(24)), good(), paymentBody(tenant.creditorId, c.id, { origin: 'x', payer: 'y' })],
      { apiKey: tenant.apiKey },
    );
    expect(two.status).toBe(422);
    expect(two.body._error.message).toBe('Insertion failure: 2 document(s) contain(s) error(s)');
    expect(two.body._items).toEqual([
      { _status: 'ERR', _issues: { case: `case ${'f'.repeat(24)} not found` } },
      { _status: 'OK' },
      { _status: 'ERR', _issues: { payer: 'payer is not a field of a payment', origin: 'origin must be "creditor_system"' } },
    ]);
    expect(await h.counts()).toEqual(before);
    expect(await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).toEqual(caseBefore);
  });

  test('a reference twice in one array: the same content is a replay of the first, other content a conflict', async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const reference = ref();
    const same = paymentBody(tenant.creditorId, c.id, { amount: 30, creditor_payment_reference: reference });
    const before = await h.counts();
    const res = await h.rest.post(PAYMENTS, [same, same], { apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    expect(res.body._items[1]).toEqual(res.body._items[0]);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });
    expect(await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ remainingCapital: 7000n });

    const other = ref();
    const conflict = await h.rest.post(
      PAYMENTS,
      [
        paymentBody(tenant.creditorId, c.id, { amount: 30, creditor_payment_reference: other }),
        paymentBody(tenant.creditorId, c.id, { amount: 31, creditor_payment_reference: other }),
      ],
      { apiKey: tenant.apiKey },
    );
    expect(conflict.status).toBe(422);
    expect(conflict.body._items).toEqual([
      { _status: 'OK' },
      {
        _status: 'ERR',
        _issues: { creditor_payment_reference: 'creditor_payment_reference was already used by payment 1 of this request with different content' },
      },
    ]);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });
  });

  test('across arrays and single POSTs: a stored payment sent again is a replay (200 when all are), other content a conflict', async ({
    harness: h,
    tenant,
  }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const body = [1, 2].map((n) => paymentBody(tenant.creditorId, c.id, { amount: n, creditor_payment_reference: ref() }));
    const first = await h.rest.post(PAYMENTS, body, { apiKey: tenant.apiKey });
    expect(first.status).toBe(201);
    const caseAfter = await h.db.case.findUniqueOrThrow({ where: { id: c.id } });
    const before = await h.counts();

    const again = await h.rest.post(PAYMENTS, body, { apiKey: tenant.apiKey });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // A single POST of one of them is its replay too.
    const single = await h.rest.post(PAYMENTS, body[1], { apiKey: tenant.apiKey });
    expect(single.status).toBe(200);
    expect(single.body).toEqual(first.body._items[1]);
    // A stored one beside a new one: 201, the stored one answered as it was.
    const mixed = await h.rest.post(PAYMENTS, [body[0], paymentBody(tenant.creditorId, c.id, { amount: 3, creditor_payment_reference: ref() })], {
      apiKey: tenant.apiKey,
    });
    expect(mixed.status).toBe(201);
    expect(mixed.body._items[0]).toEqual(first.body._items[0]);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });

    const changed = await h.rest.post(
      PAYMENTS,
      [{ ...body[0], amount: 9 }, paymentBody(tenant.creditorId, c.id, { amount: 3, creditor_payment_reference: ref() })],
      {
        apiKey: tenant.apiKey,
      },
    );
    expect(changed.status).toBe(422);
    expect(changed.body._items).toEqual([
      {
        _status: 'ERR',
        _issues: { creditor_payment_reference: `creditor_payment_reference was already used for payment ${first.body._items[0]._id} with different content` },
      },
      { _status: 'OK' },
    ]);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });
    expect((await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).remainingCapital).toBe(caseAfter.remainingCapital - 300n);
  });

  test(`takes ${MAX_BULK_REGISTRATIONS} payments and refuses ${MAX_BULK_REGISTRATIONS + 1} with 413, storing nothing`, async ({ harness: h, tenant }) => {
    const c = await tenant.openCase({ capital: '100000.00' });
    const many = (n: number) => Array.from({ length: n }, () => paymentBody(tenant.creditorId, c.id, { amount: 1, creditor_payment_reference: ref() }));
    const before = await h.counts();
    const over = await h.rest.post(PAYMENTS, many(MAX_BULK_REGISTRATIONS + 1), { apiKey: tenant.apiKey });
    expect(over.status).toBe(413);
    expect(over.body._error).toEqual({
      code: 413,
      message: `A bulk insert holds at most ${MAX_BULK_REGISTRATIONS} payments; this one holds ${MAX_BULK_REGISTRATIONS + 1}. Nothing was stored: send them in parts.`,
    });
    expect(await h.counts()).toEqual(before);
    const full = await h.rest.post(PAYMENTS, many(MAX_BULK_REGISTRATIONS), { apiKey: tenant.apiKey });
    expect(full.status).toBe(201);
    expect(full.body._items).toHaveLength(MAX_BULK_REGISTRATIONS);
    expect(await h.counts()).toEqual({ ...before, payments: before.payments + MAX_BULK_REGISTRATIONS });
    expect((await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).remainingCapital).toBe(10_000_000n - 100_000n);
  }, 60_000);

  test('an empty array, an array with a non-object, and an Idempotency-Key with an array are 400; an array of one answers as that payment', async ({
    harness: h,
    tenant,
  }) => {
    const c = await tenant.openCase({ capital: '100.00' });
    const before = await h.counts();
    const empty = await h.rest.post(PAYMENTS, [], { apiKey: tenant.apiKey });
    expect([empty.status, empty.body._error.message]).toEqual([400, 'Empty bulk insert']);
    const mixed = await h.rest.post(PAYMENTS, [paymentBody(tenant.creditorId, c.id), 'payment'], { apiKey: tenant.apiKey });
    expect([mixed.status, mixed.body._error.message]).toEqual([400, 'Each element of the array must be a JSON object holding one payment; element 2 is not.']);
    const keyed = await h.rest.post(PAYMENTS, [paymentBody(tenant.creditorId, c.id), paymentBody(tenant.creditorId, c.id)], {
      apiKey: tenant.apiKey,
      headers: { 'idempotency-key': 'K-BULK' },
    });
    expect(keyed.status).toBe(400);
    expect(keyed.body._error.message).toMatch(/Idempotency-Key header identifies one payment/);
    expect(await h.counts()).toEqual(before);

    const one = await h.rest.post(PAYMENTS, [paymentBody(tenant.creditorId, c.id, { amount: 5, creditor_payment_reference: ref() })], {
      apiKey: tenant.apiKey,
    });
    expect(one.status).toBe(201);
    expect(one.headers.location).toBe(`${PAYMENTS}/${one.body._id}`);
    expect(one.body).toMatchObject({ _status: 'OK', settled_amount: 5 });
    const bad = await h.rest.post(PAYMENTS, [paymentBody(tenant.creditorId, c.id, { amount: 0 })], { apiKey: tenant.apiKey });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      _status: 'ERR',
      _error: { code: 422, message: 'Insertion failure: 1 document(s) contain(s) error(s)' },
      _issues: { amount: 'amount must be greater than 0' },
    });
  });

  test("another account's creditor or case is not found, and neither account gets anything", async ({ harness: h, tenant }) => {
    const mine = await tenant.openCase({ capital: '100.00' });
    const other = await h.createTenant('Other bulk');
    const theirs = await other.openCase({ capital: '100.00' });
    const before = await h.counts();
    const res = await h.rest.post(
      PAYMENTS,
      [
        paymentBody(tenant.creditorId, mine.id, { creditor_payment_reference: ref() }),
        paymentBody(tenant.creditorId, theirs.id, { creditor_payment_reference: ref() }),
        paymentBody(other.creditorId, theirs.id, { creditor_payment_reference: ref() }),
      ],
      { apiKey: tenant.apiKey },
    );
    expect(res.status).toBe(422);
    expect(res.body._items).toEqual([
      { _status: 'OK' },
      { _status: 'ERR', _issues: { case: `case ${theirs.id} not found` } },
      { _status: 'ERR', _issues: { creditor: `creditor ${other.creditorId} not found` } },
    ]);
    expect(await h.counts()).toEqual(before);
  });

  test('two bulks at once on the same cases in opposite orders: both stored, each case pays out exactly what it had', async ({ harness: h, tenant }) => {
    const [a, b] = [await tenant.openCase({ capital: '100.00' }), await tenant.openCase({ capital: '100.00' })];
    const pay = (caseId: string) => paymentBody(tenant.creditorId, caseId, { amount: 30, creditor_payment_reference: ref() });
    const [one, two] = await Promise.all([
      h.rest.post(PAYMENTS, [pay(a.id), pay(b.id), pay(a.id), pay(b.id)], { apiKey: tenant.apiKey }),
      h.rest.post(PAYMENTS, [pay(b.id), pay(a.id), pay(b.id), pay(a.id)], { apiKey: tenant.apiKey }),
    ]);
    expect([one.status, two.status]).toEqual([201, 201]);
    const settled = [...one.body._items, ...two.body._items].reduce((sum: number, i: any) => sum + i.settled_amount, 0);
    expect(settled).toBe(200);
    for (const c of [a, b]) expect(await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ state: 'PAID', remainingCapital: 0n });
  });
});

describe('a bulk insert that loses its database connection at COMMIT', () => {
  for (const committed of [true, false]) {
    test(
      committed ? 'committed: found on another connection, answered 201 with every payment' : 'not committed: 503, nothing stored, and a resend stores it once',
      async ({ harness: h, tenant }) => {
        const c = await tenant.openCase({ capital: '100.00' });
        const body = [10, 20].map((amount) => paymentBody(tenant.creditorId, c.id, { amount, creditor_payment_reference: ref() }));
        const before = await h.counts();
        const cut = await createApp({ db: losingConnectionAtCommit(h.db, { committed }), logLevel: 'silent' });
        try {
          const res = await restClient(cut).post(PAYMENTS, body, { apiKey: tenant.apiKey });
          if (committed) {
            expect(res.status).toBe(201);
            expect(res.body._items.map((i: any) => i.settled_amount)).toEqual([10, 20]);
          } else {
            expect(res.status).toBe(503);
            expect(res.body._error.message).toMatch(/same creditorPaymentReference is safe/);
            expect(await h.counts()).toEqual(before);
          }
        } finally {
          await cut.close();
        }
        const resend = await h.rest.post(PAYMENTS, body, { apiKey: tenant.apiKey });
        expect(resend.status).toBe(committed ? 200 : 201);
        expect(await h.counts()).toEqual({ ...before, payments: before.payments + 2 });
        expect((await h.db.case.findUniqueOrThrow({ where: { id: c.id } })).remainingCapital).toBe(7000n);
      },
    );
  }
});
