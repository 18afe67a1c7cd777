// Writes schemas/<name>.schema.json from the zod contracts (npm run schemas). Commit the result:
// a test fails when the committed files drift from the zod source.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JSON_SCHEMAS, jsonSchemaOf } from '../src/contracts/json-schemas.ts';

const dir = path.resolve(import.meta.dirname, '..', 'schemas');
for (const name of Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[]) {
  const file = path.join(dir, `${name}.schema.json`);
  await writeFile(file, `${JSON.stringify(jsonSchemaOf(name), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
