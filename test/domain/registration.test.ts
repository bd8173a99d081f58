import { describe, expect, it } from 'vitest';
import { fieldMessage } from '../../src/domain/errors.ts';
import { checkRegistration } from '../../src/domain/registration.ts';

const CREDITOR = '6867e6b174dfc89e006084d1';
const CASE = '6867e6b174dfc89e006084d2';

describe('checkRegistration', () => {
  it('returns what parsed even when other fields failed, so the case can still be looked up', () => {
    const { registration, parsed, errors } = checkRegistration({ creditor: CREDITOR, case: CASE, amount: -1, currency: 'EUR' }, new Date());
    expect(registration).toBeNull();
    expect(parsed).toMatchObject({ creditorId: CREDITOR, caseId: CASE });
    expect(parsed).not.toHaveProperty('amount');
    expect(parsed).not.toHaveProperty('currency');
    expect(errors.map((e) => e.field)).toEqual(['currency', 'amount', 'bankTransactionDate', 'origin']);
  });

  it("leaves the fields its messages name to each face, and a client's text as text", () => {
    const { errors } = checkRegistration({ creditor: CREDITOR, case: CASE, invoiceNumber: 'X', currency: 'invoiceNumber' }, new Date());
    const byField = new Map(errors.map((e) => [e.field, e.message]));
    const loud = (field: string) => field.toUpperCase();
    expect(fieldMessage(byField.get('invoiceNumber')!, loud)).toBe('send either CASE or INVOICENUMBER, not both');
    expect(fieldMessage(byField.get('currency')!, loud)).toBe('CURRENCY invoiceNumber is not supported; only SEK is');
  });
});
