// The benchmark's PostGraphile 5 peer (Node 22): the Amber preset over DATABASE_URL's public schema
// (the service's own tables), served by grafserv on node:http, as the library-mode docs show.
// No GraphiQL, no watch mode, no explain. Prints "listening on <url>"; PORT 0 picks a free port.
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'] })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
await serv.addTo(server);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`PostGraphile 5 listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => {
  server.close(() => void pgl.release().finally(() => process.exit(0)));
  server.closeAllConnections();
});
