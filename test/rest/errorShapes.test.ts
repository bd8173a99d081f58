import { fieldMessage } from '../../src/domain/errors.ts';
import { checkRegistration, MAX_REPORTED_ERRORS, MORE_ERRORS_FIELD } from '../../src/domain/registration.ts';
import { describe, expect, restTest } from '../support/fixtures.ts';
import { paymentBody } from '../support/rest.ts';

let caseId: string;

const test = restTest.extend(
  'inject',
  ({ harness: h, tenant }) =>
    (method: 'GET' | 'POST', url: string, payload?: string) =>
      h.app.inject({ method, url, headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, payload }),
);

test.beforeAll(async ({ tenant }) => {
  caseId = (await tenant.openCase({ capital: '100.00' })).id;
});

describe("error answers: in the face's envelope, not echoing the input, never much larger than the request", () => {
  test('an id over 100 characters is 414 in the REST envelope, without the id', async ({ harness: h, tenant }) => {
    const id = 'q'.repeat(5_000);
    for (const path of ['/creditor--payments/', '/cases/']) {
      const response = await h.rest.get(path + id, { apiKey: tenant.apiKey });
      expect(response.status).toBe(414);
      expect(response.body).toEqual({ _status: 'ERR', _error: { code: 414, message: expect.stringMatching(/too long/) } });
      expect(response.text).not.toContain('qqqqqqqqqq');
    }
  });

  test('an unknown URL is 404 in the REST envelope, repeating at most 100 characters of it', async ({ inject }) => {
    const response = await inject('GET', `/${'z'.repeat(10_000)}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()._error.message).toMatch(/^The requested URL GET \/z+\.\.\. was not found on the server\.$/);
    expect(response.body.length).toBeLessThan(300);
  });

  test('a GraphQL GET whose variables or extensions are not JSON is a 400 naming the parameter, not a 500', async ({ harness: h, tenant }) => {
    for (const [param, value] of [
      ['variables', '%7Bbroken'],
      ['extensions', 'nope'],
    ]) {
      const response = await h.app.inject({
        method: 'GET',
        url: `/graphql?query=%7B__typename%7D&${param}=${value}`,
        headers: { 'x-api-key': tenant.apiKey, accept: 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        errors: [{ message: `The "${param}" parameter must be JSON.`, extensions: { code: 'BAD_REQUEST', http: { status: 400 } } }],
      });
    }
    const fine = await h.app.inject({
      method: 'GET',
      url: '/graphql?query=%7B__typename%7D&variables=%7B%7D',
      headers: { 'x-api-key': tenant.apiKey, accept: 'application/json' },
    });
    expect(fine.json()).toEqual({ data: { __typename: 'Query' } });
  });

  test("under /graphql, an unknown method or path answers in GraphQL's shape", async ({ harness: h, tenant, inject }) => {
    const put = await h.app.inject({ method: 'PUT', url: '/graphql', headers: { 'x-api-key': tenant.apiKey } });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('GET, POST, OPTIONS');
    expect(put.json()).toEqual({
      errors: [{ message: expect.stringMatching(/PUT is not allowed/), extensions: { code: 'METHOD_NOT_ALLOWED', http: { status: 405 } } }],
    });
    const below = await inject('GET', `/graphql/${'g'.repeat(5_000)}`);
    expect(below.statusCode).toBe(404);
    expect(below.json().errors[0].extensions).toEqual({ code: 'NOT_FOUND', http: { status: 404 } });
    expect(below.body.length).toBeLessThan(400);
  });

  test.for(['5', 'null', 'true', '"x"', '{}', '"{\\"query\\": \\"{ creditors { totalCount } }\\"}"'])(
    "a GraphQL body that is not an operation object (%s) is 400 in GraphQL's shape, with no originalError",
    async (payload, { inject }) => {
      const response = await inject('POST', '/graphql', payload);
      expect(response.statusCode).toBe(400);
      const [error, ...more] = response.json().errors;
      expect(more).toEqual([]);
      expect(error.message).toMatch(/JSON object/);
      expect(error.extensions).toEqual({ code: 'BAD_REQUEST', http: { status: 400 } });
    },
  );

  test("broken JSON on /graphql is 400 in GraphQL's shape, with no originalError", async ({ inject }) => {
    const response = await inject('POST', '/graphql', '{"query": ');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions).toEqual({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', http: { status: 400 } });
  });

  test('a body of thousands of unknown keys gets the first issues and a count of the rest, smaller than the request', async ({ harness: h, tenant }) => {
    const body: Record<string, unknown> = paymentBody(tenant.creditorId, caseId, { amount: 'lots' });
    for (let i = 0; i < 30_000; i++) body[`unknown_key_${i}`] = i;
    const payload = JSON.stringify(body);
    const before = await h.counts();
    const response = await h.rest.post('/creditor--payments', payload, { apiKey: tenant.apiKey });
    expect(response.status).toBe(422);
    const issues = response.body._issues as Record<string, string>;
    expect(Object.keys(issues)).toHaveLength(MAX_REPORTED_ERRORS + 1);
    // The payment's own fields come first: they are what the client has to fix.
    expect(issues.amount).toMatch(/decimal number/);
    expect(issues.unknown_key_0).toBe('unknown_key_0 is not a field of a payment');
    expect(issues[MORE_ERRORS_FIELD]).toBe(`${30_000 - (MAX_REPORTED_ERRORS - 1)} more errors are not shown; fix the ones above and send again`);
    expect(response.text.length).toBeLessThan(5_000);
    expect(await h.counts()).toEqual(before);
  });

  test('a megabyte-long unknown key is not sent back whole', async ({ harness: h, tenant }) => {
    const key = 'k'.repeat(900_000);
    const payload = JSON.stringify({ ...paymentBody(tenant.creditorId, caseId), [key]: 1 });
    const response = await h.rest.post('/creditor--payments', payload, { apiKey: tenant.apiKey });
    expect(response.status).toBe(422);
    const [issueKey, message] = Object.entries(response.body._issues as Record<string, string>)[0]!;
    expect(issueKey).toBe(`${'k'.repeat(64)}...`);
    expect(message).toBe(`${'k'.repeat(64)}... is not a field of a payment`);
    expect(response.text.length).toBeLessThan(1_000);
  });

  test('the domain caps the errors it reports, so GraphQL userErrors follow the same cap', () => {
    const input: Record<string, unknown> = { amount: -1 };
    for (let i = 0; i < 100; i++) input[`extra${i}`] = i;
    const { registration, errors } = checkRegistration(input, new Date());
    expect(registration).toBeNull();
    expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(errors.slice(0, 6).map((e) => e.field)).toEqual(['creditor', 'case', 'currency', 'amount', 'bankTransactionDate', 'origin']);
    const last = errors.at(-1)!;
    expect({ ...last, message: fieldMessage(last.message, (field) => field) }).toEqual({
      field: MORE_ERRORS_FIELD,
      code: 'INVALID',
      message: `${106 - MAX_REPORTED_ERRORS} more errors are not shown; fix the ones above and send again`,
    });
    // Under the cap, nothing changes.
    expect(checkRegistration({ amount: -1 }, new Date()).errors).toHaveLength(6);
  });
});
