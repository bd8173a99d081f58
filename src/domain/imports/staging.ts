import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MAX_IMPORT_FILE_BYTES } from '../vocabulary.ts';

/** An uploaded file's bytes as they arrive: all at hand, or a stream (a request's part, a web File's stream, a file on disk). */
export type UploadContent = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** An upload read to its end: its size and SHA-256 known, its bytes readable again in pieces. */
export interface StagedFile {
  size: number;
  sha256: string;
  /** The file more than MAX_IMPORT_FILE_BYTES long: only the first bytes past the limit were read. */
  tooLarge: boolean;
  /** The bytes again, in pieces of at most `pieceBytes`. */
  pieces(pieceBytes: number): AsyncIterable<Uint8Array>;
  /** Where a stream was spooled (removed by `discard`); null for bytes at hand. */
  spooledAt: string | null;
  discard(): Promise<void>;
}

/**
 * Reads an upload to its end before anything is stored: the SHA-256 (which finds an earlier upload
 * of the same file) needs every byte, and the transaction that stores the file must not wait on a
 * slow client. A stream is spooled to a temporary file on the way, so an upload holds one piece in
 * memory however large the file (and however many uploads run at once), and reading stops one
 * piece past the size limit.
 */
export async function stageUpload(content: UploadContent): Promise<StagedFile> {
  if (content instanceof Uint8Array) return stagedBytes(content);
  const dir = await mkdtemp(path.join(tmpdir(), 'payments-upload-'));
  const file = path.join(dir, 'upload');
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    const hash = createHash('sha256');
    let size = 0;
    const out = await open(file, 'w');
    try {
      for await (const piece of content instanceof ReadableStream ? Readable.fromWeb(content as WebReadableStream<Uint8Array>) : content) {
        size += piece.length;
        if (size > MAX_IMPORT_FILE_BYTES) break;
        hash.update(piece);
        await out.write(piece);
      }
    } finally {
      await out.close();
    }
    return {
      size,
      sha256: hash.digest('hex'),
      tooLarge: size > MAX_IMPORT_FILE_BYTES,
      pieces: (pieceBytes) => readPieces(file, pieceBytes),
      spooledAt: file,
      discard,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}

function stagedBytes(bytes: Uint8Array): StagedFile {
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    tooLarge: bytes.length > MAX_IMPORT_FILE_BYTES,
    async *pieces(pieceBytes) {
      for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, at + pieceBytes);
    },
    spooledAt: null,
    discard: async () => {},
  };
}

async function* readPieces(file: string, pieceBytes: number): AsyncGenerator<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    for (;;) {
      // A fresh buffer per piece: the caller may keep it until its statement has run.
      const piece = Buffer.allocUnsafe(pieceBytes);
      const { bytesRead } = await handle.read(piece, 0, pieceBytes, null);
      if (bytesRead === 0) return;
      yield piece.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
