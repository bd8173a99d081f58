import type { FastifyInstance } from 'fastify';
import { readConfig } from '../../src/config.ts';
import { appOver, test as base, describe, expect } from '../support/fixtures.ts';

const test = base.extend('closedApp', { scope: 'file' }, appOver({})).extend('openApp', { scope: 'file' }, appOver({ corsOrigins: ['https://app.example'] }));

const preflight = (app: FastifyInstance, url: string, origin: string) =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
  });
const crossOriginPost = (app: FastifyInstance, url: string, origin: string) =>
  app.inject({
    method: 'POST',
    url,
    headers: { origin, 'content-type': 'application/json' },
    payload: url === '/graphql' ? '{"query":"{ creditors { totalCount } }"}' : '{}',
  });

describe('CORS', () => {
  for (const url of ['/graphql', '/creditor--payments', '/cases']) {
    test(`allows no cross-origin access to ${url} by default`, async ({ closedApp }) => {
      const answer = await preflight(closedApp, url, 'https://app.example');
      expect(answer.statusCode).toBeLessThan(500);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
      expect((await crossOriginPost(closedApp, url, 'https://app.example')).headers['access-control-allow-origin']).toBeUndefined();
    });

    test(`allows a configured origin, and only that one, to call ${url}`, async ({ openApp }) => {
      const allowed = await preflight(openApp, url, 'https://app.example');
      expect(allowed.statusCode).toBeLessThan(300);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/x-api-key/i);
      expect((await crossOriginPost(openApp, url, 'https://app.example')).headers['access-control-allow-origin']).toBe('https://app.example');
      for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'null']) {
        expect((await preflight(openApp, url, origin)).headers['access-control-allow-origin'], origin).toBeUndefined();
        expect((await crossOriginPost(openApp, url, origin)).headers['access-control-allow-origin'], origin).toBeUndefined();
      }
    });
  }

  test('reads the allowed origins from CORS_ORIGINS, none when unset', () => {
    expect(readConfig({}).corsOrigins).toEqual([]);
    expect(readConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
    expect(readConfig({ CORS_ORIGINS: 'https://app.example, https://admin.example' }).corsOrigins).toEqual(['https://app.example', 'https://admin.example']);
  });
});
