import { GraphQLError } from 'graphql';
import { findCase } from '../../domain/cases.ts';
import { InvalidArgumentError } from '../../domain/errors.ts';
import { isId } from '../../domain/ids.ts';
import { findPayment } from '../../domain/payments.ts';
import { FELL_BEHIND, paymentFeed } from '../../events/feed.ts';
import { eventBusOf, type PaymentRegisteredEvent } from '../../events/index.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { LIMITS } from '../limits.ts';
import { CaseRef, PaymentRef } from './objectRefs.ts';

type Delivered = PaymentRegisteredEvent | typeof FELL_BEHIND;

/** Live subscriptions per account in this process (SSE and WebSocket together). */
const openPerAccount = new Map<string, number>();

/** Opens the caller's feed, within the per-account cap; the count drops when the feed ends. */
async function openFeed(ctx: GraphQLContext, accepts: (event: PaymentRegisteredEvent) => boolean) {
  const open = openPerAccount.get(ctx.accountId) ?? 0;
  if (open >= LIMITS.subscriptionsPerAccount) {
    throw new GraphQLError(`Too many live subscriptions: at most ${LIMITS.subscriptionsPerAccount} per account on each server; end one first.`, {
      extensions: { code: 'SUBSCRIPTION_LIMIT' },
    });
  }
  openPerAccount.set(ctx.accountId, open + 1);
  const bus = eventBusOf(ctx.db);
  const feed = paymentFeed(bus, ctx.accountId, {
    accepts,
    capacity: LIMITS.subscriberQueue,
    onEnd: () => {
      const left = (openPerAccount.get(ctx.accountId) ?? 1) - 1;
      if (left > 0) openPerAccount.set(ctx.accountId, left);
      else openPerAccount.delete(ctx.accountId);
    },
  });
  // Answered (SSE headers sent) only once events published from now on will arrive.
  await bus.listening();
  return feed;
}

/** Each event is read afresh: a subscription's loaders would otherwise answer from the first event's rows. */
function freshRead(ctx: GraphQLContext, event: Delivered): PaymentRegisteredEvent {
  if (event === FELL_BEHIND) {
    throw new GraphQLError(`This subscriber fell behind by ${LIMITS.subscriberQueue} events and was ended; subscribe again and query what you missed.`, {
      extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
    });
  }
  for (const loader of Object.values(ctx.loaders)) loader.clearAll();
  return event;
}

const PaymentRegisteredFilter = builder.inputType('PaymentRegisteredFilter', {
  fields: (t) => ({
    creditor: t.id({ required: false, description: "Only this creditor's payments." }),
    case: t.id({ required: false, description: 'Only payments on this case.' }),
  }),
});

builder.subscriptionFields((t) => ({
  paymentRegistered: t.field({
    type: PaymentRef,
    description: 'Each payment registered in your account from now on (by GraphQL, REST or a file import, on any server).',
    args: { filter: t.arg({ type: PaymentRegisteredFilter, required: false }) },
    subscribe: (_, { filter }, ctx) =>
      openFeed(ctx, (event) => (!filter?.creditor || event.creditorId === filter.creditor) && (!filter?.case || event.caseId === filter.case)),
    resolve: async (event: Delivered, _, ctx) => {
      const { paymentId } = freshRead(ctx, event);
      const payment = await findPayment(ctx.db, ctx.accountId, paymentId);
      if (!payment) throw new Error(`registered payment ${paymentId} not found`);
      return payment;
    },
  }),
  caseChanged: t.field({
    type: CaseRef,
    description: 'The case each time a payment changes it (its state and remaining amounts), from now on.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_, { id }, ctx) => {
      // Another account's case is unknown here, like a missing one.
      if (!isId(id) || !(await findCase(ctx.db, ctx.accountId, id))) throw new InvalidArgumentError('id', `case ${id} not found`);
      return openFeed(ctx, (event) => event.caseId === id);
    },
    resolve: async (event: Delivered, { id }, ctx) => {
      freshRead(ctx, event);
      const found = await findCase(ctx.db, ctx.accountId, id);
      if (!found) throw new Error(`case ${id} not found`);
      return found;
    },
  }),
}));
