/** The bench's two loads on this service, as every tool of the bench sends them. */

/** The list: 100 payments with their case projections and creditor. */
export const LIST = `query List($first: Int!) {
  payments(first: $first) {
    edges { node { id amount status caseInvoiceNumber caseReferenceNumber case { state } creditor { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const listBody = (first: number) => JSON.stringify({ query: LIST, variables: { first } });
export const listOk = (body: string) => body.startsWith('{"data":{"payments":{"edges":[{') && !body.includes('"errors"');

const REGISTER = `mutation Register($input: RegisterPaymentInput!) {
  registerPayment(input: $input) { replayed userErrors { field code message } payment { id status settledAmount } }
}`;
/** A registration stored anew (not refused, not a replay). */
export const writeOk = (body: string) => body.includes('"userErrors":[]') && body.includes('"replayed":false') && !body.includes('"errors"');

/** Bodies of registrations of 1.00 SEK, round-robin over `cases`, each with a reference of its own (`tag` keeps loads apart). */
export function writes(cases: ReadonlyArray<{ id: string; creditorId: string }>, tag: string): () => string {
  let n = 0;
  return () => {
    const c = cases[n++ % cases.length]!;
    return JSON.stringify({
      query: REGISTER,
      variables: {
        input: {
          creditor: c.creditorId,
          case: c.id,
          currency: 'SEK',
          amount: '1.00',
          bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT',
          creditorPaymentReference: `W-${tag}-${n}`,
          origin: 'creditor_system',
        },
      },
    });
  };
}
