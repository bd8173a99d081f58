// The benchmark's PostGraphile 4 peer: the library's HTTP middleware on node:http over DATABASE_URL's
// public schema (the service's own tables), configured as its docs recommend for production:
// no query log, no GraphiQL, no schema watching, no default mutations (the list is all it serves).
// Prints "listening on <url>" (the bench waits for it); PORT 0 picks a free port.
const http = require('node:http');
const { postgraphile } = require('postgraphile');

const middleware = postgraphile(process.env.DATABASE_URL, 'public', {
  graphqlRoute: '/graphql',
  graphiql: false,
  watchPg: false,
  disableQueryLog: true,
  disableDefaultMutations: true,
  retryOnInitFail: false,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
});
const server = http.createServer(middleware);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`PostGraphile 4 listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
