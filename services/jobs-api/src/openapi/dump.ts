/**
 * Writes the OpenAPI document /openapi.json serves to a file, without starting anything: the typed
 * client (packages/client) is generated from it and `npm run lint:openapi` lints it.
 * Usage: node dist/openapi/dump.js <out.json>
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from './document';

const out = process.argv[2];
if (!out) {
  console.error('usage: node dist/openapi/dump.js <out.json>');
  process.exit(2);
}
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
