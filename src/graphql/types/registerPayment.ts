import { type FieldError, fieldMessage } from '../../domain/errors.ts';
import { formatOre } from '../../domain/money.ts';
import { registerPayment } from '../../domain/payments.ts';
import { CREDITOR_SYSTEM_ORIGIN, MAX_PAYMENT, MAX_REFERENCE_LENGTH } from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';
import { Currency, UserErrorCode } from './enums.ts';
import { PaymentRef } from './objectRefs.ts';

/** A field as GraphQL clients know it: the input's own name, or the Idempotency-Key header. */
const graphqlName = (field: string) => (field === 'idempotencyKey' ? 'Idempotency-Key' : field);

export const UserError = builder.objectRef<FieldError>('UserError').implement({
  description: 'An expected failure the client can fix: which input field, what is wrong, and a code to branch on.',
  fields: (t) => ({
    field: t.stringList({
      nullable: true,
      description: 'Path to the input field, e.g. ["input", "amount"]; ["Idempotency-Key"] for the header.',
      resolve: (e) => (e.field === 'idempotencyKey' ? [graphqlName(e.field)] : ['input', e.field]),
    }),
    message: t.string({ resolve: (e) => fieldMessage(e.message, graphqlName) }),
    code: t.field({ type: UserErrorCode, resolve: (e) => e.code }),
  }),
});

const RegisterPaymentInput = builder.inputType('RegisterPaymentInput', {
  fields: (t) => ({
    creditor: t.id({ required: true }),
    case: t.id({ required: false, description: 'The case; or give invoiceNumber instead.' }),
    invoiceNumber: t.string({ required: false, description: "Finds the case among the creditor's; or give case instead." }),
    currency: t.field({ type: Currency, required: true }),
    amount: t.field({ type: 'Decimal', required: true, description: `Greater than 0, at most 2 decimals, at most ${formatOre(MAX_PAYMENT)}.` }),
    bankTransactionDate: t.field({ type: 'DateTime', required: true, description: 'When the debtor paid; not in the future.' }),
    clientRegistrationDate: t.field({ type: 'DateTime', required: false, description: 'Defaults to now.' }),
    creditorPaymentReference: t.string({
      required: false,
      description: `Your reference, at most ${MAX_REFERENCE_LENGTH} characters; sending it again returns the stored payment.`,
    }),
    origin: t.string({ required: true, description: `Must be "${CREDITOR_SYSTEM_ORIGIN}".` }),
  }),
});

const RegisterPaymentPayload = builder.objectRef<{ payment: unknown; replayed: boolean; userErrors: FieldError[] }>('RegisterPaymentPayload').implement({
  fields: (t) => ({
    payment: t.field({ type: PaymentRef, nullable: true, resolve: (r) => r.payment as never }),
    replayed: t.exposeBoolean('replayed', { description: 'True when this registration was stored before and nothing changed now.' }),
    userErrors: t.field({ type: [UserError], resolve: (r) => r.userErrors }),
  }),
});

builder.mutationFields((t) => ({
  registerPayment: t.field({
    type: RegisterPaymentPayload,
    description:
      'Registers a payment a debtor made straight to the creditor and applies it to the case. Send an Idempotency-Key header to make a registration without a reference safe to retry.',
    args: { input: t.arg({ type: RegisterPaymentInput, required: true }) },
    resolve: async (_, { input }, ctx) => {
      const result = await registerPayment(ctx.db, ctx.accountId, { ...input }, { idempotencyKey: ctx.idempotencyKey });
      ctx.onRegistered?.(result);
      return result.ok ? { payment: result.payment, replayed: result.replayed, userErrors: [] } : { payment: null, replayed: false, userErrors: result.errors };
    },
  }),
}));
