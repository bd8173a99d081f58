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
