/**
 * The seed document's example registration, once, in the REST face's snake_case as the seed
 * writes it. GraphQL's camelCase is derived here by the tests' own rule, not the service's
 * mapping, so a wrong mapping in the service still fails the tests.
 */
const SEED_EXAMPLE = {
  currency: 'SEK',
  amount: 100.0,
  bank_transaction_date: 'Fri, 04 Jul 2025 16:20:41 GMT',
  creditor_payment_reference: 'PAY-REF-001',
  origin: 'creditor_system',
};

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
type Camelized<T> = { [K in keyof T as CamelCase<K & string>]: T[K] };

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The seed's example request body, with ids that exist in this database. */
export function seedRequestBody(ids: { account: string; creditor: string; case: string }) {
  return { account: ids.account, creditor: ids.creditor, case: ids.case, ...SEED_EXAMPLE };
}

/** A valid REST registration body for a case of the tenant (the seed's, without a reference); override any field. */
export function paymentBody(creditor: string, caseId: string, overrides: Record<string, unknown> = {}) {
  const { creditor_payment_reference: _reference, ...withoutReference } = SEED_EXAMPLE;
  return { creditor, case: caseId, ...withoutReference, ...overrides };
}

/** The seed's example as GraphQL's RegisterPaymentInput, for a case that exists; override any field. */
export function seedExample(creditor: string, caseId: string, overrides: Record<string, unknown> = {}) {
  const example = Object.fromEntries(Object.entries(SEED_EXAMPLE).map(([name, value]) => [camelCase(name), value])) as Camelized<typeof SEED_EXAMPLE>;
  return { creditor, case: caseId, ...example, ...overrides };
}

type Parts = [costs: string, interest: string, capital: string];

/** One of the contract's settlement examples, in GraphQL's decimal strings (each face's test writes them its own way). */
export interface SettlementExample {
  name: string;
  /** The case's state and remaining costs, interest and capital before the payment (a CLOSED case is closed first). */
  state: 'OPEN' | 'PAID' | 'CLOSED';
  before: Parts;
  amount: string;
  /** What the payment settles of costs, interest and capital, and in all. */
  settled: Parts;
  settledAmount: string;
  status: 'COMPLETED' | 'WARNING' | 'ERROR';
  /** The status reason's locale key, or null. */
  reason: string | null;
  /** The case's state and remaining costs, interest and capital after. */
  stateAfter: 'OPEN' | 'PAID' | 'CLOSED';
  after: Parts;
}

type State = SettlementExample['state'];
const stated = (text: string) => {
  const [state, ...remaining] = text.split(' ');
  if (remaining.length !== 3) throw new Error(`a case is a state and three amounts: ${text}`);
  return { state: state as State, parts: remaining as Parts };
};

/** The contract's settlement examples, once. Columns: name | case before | amount | settled | settled amount | status | reason | case after. */
export const SETTLEMENT_EXAMPLES: SettlementExample[] = `
  part of an open case | OPEN 180.00 35.50 2000.00 | 200.00 | 180.00 20.00 0.00 | 200.00 | COMPLETED | -                 | OPEN 0.00 15.50 2000.00
  the whole open case  | OPEN 0.00 0.00 300.00     | 300.00 | 0.00 0.00 300.00  | 300.00 | COMPLETED | -                 | PAID 0.00 0.00 0.00
  an overpayment       | OPEN 60.00 0.00 100.00    | 250.00 | 60.00 0.00 100.00 | 160.00 | WARNING   | overpayment       | PAID 0.00 0.00 0.00
  a paid case          | PAID 0.00 0.00 0.00       | 25.00  | 0.00 0.00 0.00    | 0.00   | WARNING   | case_already_paid | PAID 0.00 0.00 0.00
  a closed case        | CLOSED 0.00 0.00 400.00   | 25.00  | 0.00 0.00 0.00    | 0.00   | ERROR     | case_closed       | CLOSED 0.00 0.00 400.00
`
  .trim()
  .split('\n')
  .map((line) => {
    const cells = line.split('|').map((cell) => cell.trim().replace(/ +/g, ' '));
    if (cells.length !== 8) throw new Error(`a settlement example has 8 columns: ${line}`);
    const [name, before, amount, settled, settledAmount, status, reason, after] = cells as [string, string, string, string, string, string, string, string];
    return {
      name,
      state: stated(before).state,
      before: stated(before).parts,
      amount,
      settled: settled.split(' ') as Parts,
      settledAmount,
      status: status as SettlementExample['status'],
      reason: reason === '-' ? null : `creditor_payment.status_reason.${reason}`,
      stateAfter: stated(after).state,
      after: stated(after).parts,
    };
  });
