import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { stageUpload } from '../../src/domain/imports/staging.ts';
import { MAX_IMPORT_FILE_BYTES } from '../../src/domain/vocabulary.ts';

const PIECE = 64 * 1024;

/** A client's upload arriving in pieces; `endless` never ends by itself. */
function arriving(total: number | 'endless', counter = { pieces: 0 }): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let sent = 0; total === 'endless' || sent < total; sent += PIECE) {
        counter.pieces += 1;
        yield Buffer.alloc(total === 'endless' ? PIECE : Math.min(PIECE, total - sent), sent % 251);
      }
    },
  };
}

async function readBack(pieces: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; sizes: number[] }> {
  const parts: Buffer[] = [];
  for await (const piece of pieces) parts.push(Buffer.from(piece));
  return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

describe('staging an upload', () => {
  test('a stream is spooled: size, SHA-256 and the same bytes again in pieces of the asked size; the spool is removed', async () => {
    const size = 3 * PIECE + 123;
    const expected = (await readBack(arriving(size))).bytes;
    const staged = await stageUpload(arriving(size));
    expect(staged.size).toBe(size);
    expect(staged.tooLarge).toBe(false);
    expect(staged.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    const again = await readBack(staged.pieces(100_000));
    expect(again.sizes).toEqual([100_000, 96_731]);
    expect(again.bytes.equals(expected)).toBe(true);
    // Readable more than once (a retried transaction reads it again).
    expect((await readBack(staged.pieces(100_000))).bytes.equals(expected)).toBe(true);
    expect(existsSync(staged.spooledAt!)).toBe(true);
    await staged.discard();
    expect(existsSync(staged.spooledAt!)).toBe(false);
  });

  test('a file of exactly the limit is accepted; one byte more is too large', async () => {
    expect((await stageUpload(arriving(MAX_IMPORT_FILE_BYTES))).tooLarge).toBe(false);
    const over = await stageUpload(arriving(MAX_IMPORT_FILE_BYTES + 1));
    expect(over.tooLarge).toBe(true);
    await over.discard();
  });

  test('an endless upload is read only to one piece past the limit, and is too large', async () => {
    const counter = { pieces: 0 };
    const staged = await stageUpload(arriving('endless', counter));
    expect(staged.tooLarge).toBe(true);
    expect(counter.pieces).toBe(Math.floor(MAX_IMPORT_FILE_BYTES / PIECE) + 1);
    await staged.discard();
  });

  test('bytes at hand are not copied to disk', async () => {
    const staged = await stageUpload(Buffer.from('creditor,case\n'));
    expect(staged.spooledAt).toBeNull();
    expect((await readBack(staged.pieces(4))).sizes).toEqual([4, 4, 4, 2]);
  });
});
