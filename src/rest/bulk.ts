import type { FastifyReply } from 'fastify';
import type { Db } from '../db/client.ts';
import { registerPayments } from '../domain/bulkRegistration.ts';
import { MAX_BULK_REGISTRATIONS } from '../domain/vocabulary.ts';
import { isJsonObject } from '../http/jsonBody.ts';
import type { RegistrationObserver } from '../observability/metrics.ts';
import { createdPaymentDocument, registrationFromRest } from './documentMapping.ts';
import { errorBody } from './envelope.ts';
import type { BulkErrorDocument, PaymentsCreatedDocument } from './schemas.ts';

/** Eve's message for a rejected bulk insert. */
export function insertionFailure(documents: number): string {
  return `Insertion failure: ${documents} document(s) contain(s) error(s)`;
}

/**
 * A JSON array of payments on POST /creditor--payments (Eve's bulk insert; the route answers an
 * array of one as that payment alone): all stored in one transaction or none, answered with one
 * `_items` entry per payment in the order sent.
 */
export async function sendBulkRegistration(
  reply: FastifyReply,
  {
    db,
    accountId,
    body,
    idempotencyKey,
    onRegistered,
  }: { db: Db; accountId: string; body: unknown[]; idempotencyKey: string | null; onRegistered?: RegistrationObserver },
) {
  // Eve's own words for an empty array.
  if (body.length === 0) return reply.code(400).send(errorBody(400, 'Empty bulk insert'));
  if (body.length > MAX_BULK_REGISTRATIONS) {
    return reply
      .code(413)
      .send(
        errorBody(
          413,
          `A bulk insert holds at most ${MAX_BULK_REGISTRATIONS} payments; this one holds ${body.length}. Nothing was stored: send them in parts.`,
        ),
      );
  }
  if (idempotencyKey !== null) {
    return reply
      .code(400)
      .send(
        errorBody(400, 'The Idempotency-Key header identifies one payment: give each payment of a bulk insert its own creditor_payment_reference instead.'),
      );
  }
  const notObject = body.findIndex((d) => !isJsonObject(d));
  if (notObject >= 0) {
    return reply.code(400).send(errorBody(400, `Each element of the array must be a JSON object holding one payment; element ${notObject + 1} is not.`));
  }
  const registrations = body.map((document) => registrationFromRest(document as Record<string, unknown>));
  const result = await registerPayments(
    db,
    accountId,
    registrations.map((r) => ({ input: r.input })),
  );
  if (!result.ok) {
    for (const errors of result.items) if (errors.length > 0) onRegistered?.({ ok: false, errors });
    const answer: BulkErrorDocument = {
      _status: 'ERR',
      _items: result.items.map((errors, i) =>
        errors.length > 0 ? { _status: 'ERR' as const, _issues: registrations[i]!.issuesOf(errors) } : { _status: 'OK' as const },
      ),
      _error: { code: 422, message: insertionFailure(result.failures) },
    };
    return reply.code(422).send(answer);
  }
  for (const item of result.items) onRegistered?.(item);
  const answer: PaymentsCreatedDocument = { _status: 'OK', _items: result.items.map((item) => createdPaymentDocument(item.payment, item.case)) };
  // Every one a replay: nothing changed, as a single replay answers.
  return reply.code(result.items.every((item) => item.replayed) ? 200 : 201).send(answer);
}
