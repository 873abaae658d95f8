// `npm run docs`: regenerates what is derived from the layer kinds and schema fragments: the
// schema file editors read (schema/model-spec.schema.json) and the README's spec reference.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/lib/atomic-write.js';
import { specSchemaText } from '../src/compile/spec-schema.js';
import { withSpecReference } from '../src/docs/spec-reference.js';

async function refresh(file: string, text: string): Promise<void> {
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) console.log(`${file}: up to date`);
  else {
    await writeFileAtomic(file, text);
    console.log(`${file}: updated`);
  }
}

await refresh('schema/model-spec.schema.json', specSchemaText());
await refresh('docs/spec-reference.md', withSpecReference(readFileSync('docs/spec-reference.md', 'utf8')));
