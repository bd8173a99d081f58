/** Writes the sorted SDL to schema.graphql (npm run schema:print); a test keeps it in step with the code. */
import { writeFileSync } from 'node:fs';
import { printSortedSchema } from '../graphql/schema.ts';

writeFileSync('schema.graphql', printSortedSchema());
console.log('wrote schema.graphql');
