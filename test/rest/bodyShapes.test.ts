import { describe, expect, restTest as test } from '../support/fixtures.ts';

/**
 * A body that is not a JSON object (nor an array of objects) is a 400, whatever its numbers: an
 * exact number (16 or more digits) is parsed into an object of its own, which must not pass for
 * a document (fast-check found `[-9007199254740992]` answered 422 as a payment with no fields).
 */
describe('POST /creditor--payments bodies that are not documents', () => {
  test.for(['-9007199254740992', '[-9007199254740992]', '[12345678901234567890.5]', '[1, {"amount": 1}]', '"text"', '[[{}]]'])(
    'answers %s with 400 and stores nothing',
    async (body, { harness, tenant }) => {
      const before = await harness.counts();
      const answer = await harness.rest.post('/creditor--payments', body, { apiKey: tenant.apiKey });
      expect(answer.status).toBe(400);
      expect(answer.body._status).toBe('ERR');
      expect(await harness.counts()).toEqual(before);
    },
  );
});
