import type { FastifyInstance } from 'fastify';
import { MAX_IMPORT_FILE_BYTES } from '../../src/domain/vocabulary.ts';
import { expect } from '../support/fixtures.ts';
import { checkAgainstDocument, type RestResponse } from '../support/rest.ts';

/**
 * The file import routes' every documented answer, each checked against /openapi.json (for
 * test/rest/openapi.test.ts, which requires a real response for each documented status).
 */

/** A multipart/form-data body holding one part, built by hand so the exact bytes are known. */
export function multipartBody(name: string, content: string | Buffer, fileName = 'payments.csv') {
  const boundary = '----documented-calls-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

async function send(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  options: { apiKey?: string; payload?: Buffer | string; contentType?: string } = {},
) {
  const response = await app.inject({
    method,
    url,
    headers: { ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}), ...(options.contentType ? { 'content-type': options.contentType } : {}) },
    ...(options.payload !== undefined && { payload: options.payload }),
  });
  const text = response.body;
  const body = text && String(response.headers['content-type'] ?? '').startsWith('application/json') ? JSON.parse(text) : null;
  const result: RestResponse = { status: response.statusCode, headers: response.headers, body, text };
  await checkAgainstDocument(method, url, result);
  return result;
}

/** Every status of the four operations but 429; returns the report uploaded. */
export async function callImportRoutes(app: FastifyInstance, apiKey: string, creditorId: string, caseId: string): Promise<string> {
  const file = multipartBody(
    'file',
    `creditor,case,currency,amount,bank_transaction_date\n${creditorId},${caseId},SEK,1.00,2025-07-04T16:20:41Z\n${creditorId},${caseId},SEK,-1,x\n`,
  );
  const upload = (options: Parameters<typeof send>[3]) => send(app, 'POST', '/file-import-reports', options);
  const created = await upload({ apiKey, ...file });
  expect(created.status).toBe(202);
  expect(created.headers.location).toBe(`/file-import-reports/${created.body._id}`);
  expect((await upload({ apiKey, ...file })).status).toBe(200);
  expect((await upload(file)).status).toBe(401);
  expect((await upload({ apiKey, payload: '{}', contentType: 'application/json' })).status).toBe(400);
  expect((await upload({ apiKey, ...multipartBody('other', 'x') })).status).toBe(400);
  expect((await upload({ apiKey, ...multipartBody('file', '') })).status).toBe(422);
  expect((await upload({ apiKey, ...multipartBody('file', Buffer.alloc(MAX_IMPORT_FILE_BYTES + 1, 'a')) })).status).toBe(413);

  const id = created.body._id as string;
  const item = `/file-import-reports/${id}`;
  const lines = `${item}/rejected-lines`;
  const unknown = `/file-import-reports/${'f'.repeat(24)}`;
  // The import itself runs in the background (or not at all here): the answers' shapes are what is checked.
  for (const list of ['/file-import-reports', lines]) {
    expect((await send(app, 'GET', list, { apiKey })).status).toBe(200);
    expect((await send(app, 'GET', `${list}?max_results=0`, { apiKey })).status).toBe(400);
    expect((await send(app, 'GET', `${list}?page=x`, { apiKey })).status).toBe(400);
    expect((await send(app, 'GET', list)).status).toBe(401);
  }
  expect((await send(app, 'GET', item, { apiKey })).status).toBe(200);
  expect((await send(app, 'GET', item)).status).toBe(401);
  expect((await send(app, 'GET', unknown, { apiKey })).status).toBe(404);
  expect((await send(app, 'GET', `${unknown}/rejected-lines`, { apiKey })).status).toBe(404);
  return id;
}

/** 429 from each operation, on an app whose rate limit is spent. */
export async function callImportRoutesOverLimit(app: FastifyInstance, apiKey: string, reportId: string): Promise<void> {
  const file = multipartBody('file', 'creditor,case,currency,amount,bank_transaction_date\n');
  expect((await send(app, 'POST', '/file-import-reports', { apiKey, ...file })).status).toBe(429);
  for (const url of ['/file-import-reports', `/file-import-reports/${reportId}`, `/file-import-reports/${reportId}/rejected-lines`]) {
    expect((await send(app, 'GET', url, { apiKey })).status).toBe(429);
  }
}
