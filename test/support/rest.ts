import { dereference } from '@readme/openapi-parser';
import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import Fastify, { type FastifyInstance } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { createApp } from '../../src/app.ts';
import type { Db } from '../../src/db/client.ts';
import { restRoutes } from '../../src/rest/routes.ts';
import { createHarness } from './harness.ts';

export interface RestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The parsed JSON body; null when there is none. */
  body: any;
  text: string;
}

export interface RestRequest {
  apiKey?: string | null;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as it is (malformed bodies). */
  body?: unknown;
}

/** The harness with the whole HTTP app over it, and a REST client that needs no port. */
export async function createRestHarness() {
  const harness = await createHarness();
  const app = await createApp({ db: harness.db, logLevel: 'silent' });
  await app.ready();
  return {
    ...harness,
    app,
    rest: restClient(app),
    async close() {
      await app.close();
      await harness.close();
    },
  };
}

export type RestHarness = Awaited<ReturnType<typeof createRestHarness>>;

/**
 * Sends requests through app.inject. Every answer to an operation the OpenAPI document
 * describes is checked against it (status documented, body matches the schema, required
 * headers present), so every REST test also keeps the document true.
 */
export function restClient(app: FastifyInstance) {
  async function request(method: string, url: string, options: RestRequest = {}): Promise<RestResponse> {
    const headers: Record<string, string> = { ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}), ...options.headers };
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url, headers, payload });
    const text = response.body;
    const contentType = String(response.headers['content-type'] ?? '');
    const body = text && contentType.startsWith('application/json') ? JSON.parse(text) : null;
    const result: RestResponse = { status: response.statusCode, headers: response.headers, body, text };
    await checkAgainstDocument(method, url, result);
    if (payload !== undefined) await checkRequestAgainstDocument(method, url, payload, result);
    return result;
  }
  return {
    request,
    get: (url: string, options?: RestRequest) => request('GET', url, options),
    post: (url: string, body: unknown, options: Omit<RestRequest, 'body'> = {}) => request('POST', url, { ...options, body }),
  };
}

export type RestClient = ReturnType<typeof restClient>;

// --- the OpenAPI document as the judge of real responses ---

let served: Promise<OpenAPIV3_1.Document> | undefined;
let dereferenced: Promise<OpenAPIV3_1.Document> | undefined;
const validators = new Map<object, ValidateFunction>();
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true });
// "case or invoice_number" is a oneOf of `required` alone, which strict mode would refuse.
const requestAjv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true, strictRequired: false });

/**
 * /openapi.json as the REST routes serve it, from routes of their own: asking a test's app
 * would spend a request of its rate limit. The document reads no database.
 */
export function servedDocument(): Promise<OpenAPIV3_1.Document> {
  served ??= (async () => {
    const probe = Fastify({ logger: false });
    await probe.register(restRoutes, { db: null as unknown as Db });
    const response = await probe.inject('/openapi.json');
    await probe.close();
    return JSON.parse(response.body) as OpenAPIV3_1.Document;
  })();
  return served;
}

function documentOnce(): Promise<OpenAPIV3_1.Document> {
  dereferenced ??= servedDocument().then((document) => dereference(structuredClone(document)) as Promise<OpenAPIV3_1.Document>);
  return dereferenced;
}

/** The documented path template a URL matches ("/creditor--payments/{id}"), if any. */
export async function documentedPath(url: string): Promise<string | undefined> {
  const path = url.split('?')[0]!;
  return Object.keys((await servedDocument()).paths ?? {}).find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

/** "GET /cases/{id} 304": each documented response that a real response was checked against, in this test file. */
export const checkedResponses = new Set<string>();

/** Throws when a response to a documented operation is not what the document says. */
export async function checkAgainstDocument(method: string, url: string, response: RestResponse): Promise<void> {
  const template = await documentedPath(url);
  const verb = method.toLowerCase() as 'get' | 'post' | 'options';
  if (!template || (verb !== 'get' && verb !== 'post' && verb !== 'options')) return;
  const document = await documentOnce();
  const operation = document.paths?.[template]?.[verb] as OpenAPIV3_1.OperationObject | undefined;
  if (!operation) return;
  const where = `${method} ${url} -> ${response.status}`;
  const documented = operation.responses?.[String(response.status)] as OpenAPIV3_1.ResponseObject | undefined;
  if (!documented) throw new Error(`${where}: status not documented in openapi.json (body: ${response.text.slice(0, 300)})`);
  checkedResponses.add(`${method.toUpperCase()} ${template} ${response.status}`);
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if ((header as OpenAPIV3_1.HeaderObject).required && response.headers[name.toLowerCase()] === undefined) {
      throw new Error(`${where}: documented header ${name} is missing`);
    }
  }
  const media = documented.content?.['application/json'];
  if (!media) {
    if (response.text !== '') throw new Error(`${where}: documented without a body, but one was sent`);
    return;
  }
  if (!String(response.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new Error(`${where}: expected application/json, got ${response.headers['content-type']}`);
  }
  const schema = media.schema as object;
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (!validate(response.body)) {
    throw new Error(`${where}: body does not match openapi.json: ${ajv.errorsText(validate.errors)}\n${response.text.slice(0, 1000)}`);
  }
}

/**
 * The request side: a body the API accepted (2xx) is one the document allows. The domain
 * validates, not Fastify; this keeps the document from refusing what the domain takes.
 */
export async function checkRequestAgainstDocument(method: string, url: string, payload: string, response: RestResponse): Promise<void> {
  if (response.status < 200 || response.status >= 300) return;
  const template = await documentedPath(url);
  const verb = method.toLowerCase();
  if (!template || verb !== 'post') return;
  const document = await documentOnce();
  const media = (document.paths?.[template]?.post?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content?.['application/json'];
  if (!media?.schema) return;
  const schema = media.schema as object;
  let validate = validators.get(schema);
  if (!validate) {
    validate = requestAjv.compile(schema);
    validators.set(schema, validate);
  }
  if (!validate(JSON.parse(payload))) {
    throw new Error(
      `${method} ${url} -> ${response.status}: accepted a body openapi.json refuses: ${requestAjv.errorsText(validate.errors)}\n${payload.slice(0, 1000)}`,
    );
  }
}

export { paymentBody, seedRequestBody } from './registration.ts';
