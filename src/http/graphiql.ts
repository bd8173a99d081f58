import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { YogaServerInstance } from 'graphql-yoga';
import { matchesEtag } from '../rest/routes.ts';

type Encoding = 'br' | 'gzip';

interface Page {
  html: string;
  etag: string;
  encoded: Map<Encoding, Promise<Buffer>>;
}

const encoders: Record<Encoding, (html: string) => Promise<Buffer>> = {
  br: (html) => promisify(brotliCompress)(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: html.length } }),
  gzip: (html) => promisify(gzip)(html, { level: 6 }),
};

/**
 * GraphiQL's page (some 9 MB: its scripts are inlined so it works without internet access),
 * rendered by Yoga once and then served with a validator, so a revisit gets 304 instead of the
 * whole page again. `private, no-cache`: the page holds the demo key, so no shared cache keeps
 * it, and a browser asks before reusing it. Compressed once per encoding and kept: compressing
 * 9 MB on every visit costs some 400 ms of CPU, which a client could ask for in a loop
 * (@fastify/compress leaves a response that already has a Content-Encoding alone).
 */
// biome-ignore lint/suspicious/noExplicitAny: any server context; only the page rendering is used.
export function graphiqlPage(yoga: YogaServerInstance<Record<string, unknown>, any>) {
  let page: Promise<Page> | undefined;
  const render = async (): Promise<Page> => {
    const response = await yoga.fetch(`http://localhost${yoga.graphqlEndpoint}`, { headers: { accept: 'text/html' } });
    if (response.status !== 200) throw new Error(`GraphiQL did not render: ${response.status}`);
    const html = await response.text();
    return { html, etag: createHash('sha256').update(html).digest('base64url'), encoded: new Map() };
  };
  return {
    /** The same test Yoga makes before it renders GraphiQL. */
    wanted(request: FastifyRequest): boolean {
      return request.method === 'GET' && String(request.headers.accept ?? '').includes('text/html');
    },
    async send(request: FastifyRequest, reply: FastifyReply) {
      page ??= render().catch((error: unknown) => {
        page = undefined;
        throw error;
      });
      const { html, etag, encoded } = await page;
      // Weak: the compressed and the plain bytes are the same page.
      reply.header('etag', `W/"${etag}"`).header('cache-control', 'private, no-cache').header('vary', 'accept, accept-encoding');
      const ifNoneMatch = request.headers['if-none-match'];
      if (matchesEtag(typeof ifNoneMatch === 'string' ? ifNoneMatch : null, etag)) return reply.code(304).send();
      reply.type('text/html; charset=utf-8');
      const encoding = preferredEncoding(request.headers['accept-encoding']);
      if (!encoding) return reply.send(html);
      let bytes = encoded.get(encoding);
      if (!bytes) {
        bytes = encoders[encoding](html);
        encoded.set(encoding, bytes);
        bytes.catch(() => encoded.delete(encoding));
      }
      return reply.header('content-encoding', encoding).send(await bytes);
    },
  };
}

/** br over gzip; an encoding listed with q=0 is refused. */
function preferredEncoding(acceptEncoding: string | string[] | undefined): Encoding | null {
  const accepted = new Set(
    String(acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().toLowerCase().split(';'))
      .filter(([, ...params]) => !params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param)))
      .map(([name]) => name),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return null;
}
