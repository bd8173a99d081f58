import { serverAudits } from 'graphql-http';
import { describe, expect, restTest as test } from '../support/fixtures.ts';

/**
 * The GraphQL over HTTP specification's audits (graphql-http's own, the suite its authors run
 * against servers): every MUST, SHOULD and MAY they check, through the whole HTTP app as a
 * client reaches it, with the tenant's API key.
 */
describe('GraphQL over HTTP audits', () => {
  const audits = serverAudits({ url: 'http://audit.test/graphql', fetchFn: () => undefined as never });

  test.for(audits.map((audit) => [audit.name, audit.id] as const))('%s', async ([, id], { harness, tenant }) => {
    const audit = serverAudits({
      url: 'http://audit.test/graphql',
      fetchFn: async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        const headers = Object.fromEntries(request.headers);
        const answer = await harness.app.inject({
          method: request.method as 'GET',
          url: new URL(request.url).pathname + new URL(request.url).search,
          headers: { ...headers, 'x-api-key': tenant.apiKey },
          payload: request.method === 'GET' ? undefined : await request.text(),
        });
        return new Response(answer.statusCode === 204 || answer.statusCode === 304 ? null : answer.body, {
          status: answer.statusCode,
          headers: Object.entries(answer.headers).flatMap(([name, value]) =>
            value === undefined ? [] : (Array.isArray(value) ? value : [String(value)]).map((v): [string, string] => [name, v]),
          ),
        });
      },
    }).find((a) => a.id === id)!;
    const result = await audit.fn();
    expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
  });
});
