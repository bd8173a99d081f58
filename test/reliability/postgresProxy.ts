import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that cuts a connection at a chosen statement, so a test can
 * lose the connection at an exact point of a transaction: before a statement reaches the server,
 * or after the server answered it (a COMMIT done, its answer lost). It reads just enough of the
 * frontend protocol to know which statement a message runs: a simple Query's text, or a Parse's
 * text and the prepared statement name a later Bind executes it by.
 */
export interface Cut {
  /** The statement's SQL text. */
  statement: RegExp;
  /**
   * before: the statement never reaches the server; after: it runs and its answer is lost;
   * answered, then ended: its answer arrives with the server's FATAL 57P01 right behind it, in
   * one read, as when a backend is terminated just after answering.
   */
  when: 'before' | 'after' | 'answered, then ended';
}

export interface PostgresProxy {
  /** The database URL through the proxy. */
  url: string;
  /** Cuts the next connection that runs a matching statement; resolves once it did. */
  cutAt(cut: Cut): Promise<void>;
  close(): Promise<void>;
}

export async function startPostgresProxy(databaseUrl: string): Promise<PostgresProxy> {
  const target = new URL(databaseUrl);
  let armed: { cut: Cut; done: () => void } | null = null;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const cutOff = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cutOff).on('close', cutOff);
    upstream.on('error', cutOff).on('close', cutOff);

    const named = new Map<string, string>(); // prepared statement name -> SQL text
    let pending = Buffer.alloc(0);
    let started = false; // the startup message has no type byte
    let answerToCut: Cut['when'] | null = null;
    upstream.on('data', (chunk: Buffer) => {
      if (answerToCut === 'after') return cutOff();
      if (answerToCut === 'answered, then ended') {
        upstream.destroy();
        return client.end(Buffer.concat([chunk, TERMINATED]));
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const headerLength = started ? 5 : 4;
        if (pending.length < headerLength) return;
        const length = pending.readInt32BE(started ? 1 : 0);
        const total = length + (started ? 1 : 0);
        if (pending.length < total) return;
        const message = pending.subarray(0, total);
        pending = pending.subarray(total);
        if (!started) {
          // SSLRequest (80877103) is followed by another untyped message; pg here does not send one.
          if (message.readInt32BE(4) !== 80877103) started = true;
          upstream.write(message);
          continue;
        }
        const sql = statementOf(message, named);
        if (armed && sql !== null && armed.cut.statement.test(sql)) {
          const { cut, done } = armed;
          armed = null;
          done();
          if (cut.when === 'before') return cutOff();
          answerToCut = cut.when;
        }
        upstream.write(message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cutAt(cut) {
      return new Promise<void>((resolve) => (armed = { cut, done: resolve }));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The ErrorResponse a backend sends when pg_terminate_backend ends it. */
const TERMINATED = (() => {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
})();

/** The SQL a frontend message runs: Query's text, Parse's text (remembered by name), Bind's by name. */
function statementOf(message: Buffer, named: Map<string, string>): string | null {
  const type = String.fromCharCode(message[0]!);
  const strings = (from: number, count: number) => {
    const out: string[] = [];
    let at = from;
    for (let i = 0; i < count; i++) {
      const end = message.indexOf(0, at);
      out.push(message.toString('utf8', at, end));
      at = end + 1;
    }
    return out;
  };
  if (type === 'Q') return strings(5, 1)[0]!;
  if (type === 'P') {
    const [name, text] = strings(5, 2) as [string, string];
    named.set(name, text);
    return null; // runs at its Execute; the Bind names it
  }
  if (type === 'B') {
    const [, statement] = strings(5, 2) as [string, string];
    return named.get(statement) ?? null;
  }
  return null;
}
