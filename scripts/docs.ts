// `npm run docs`: regenerates the README's spec reference from the schema.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/lib/atomic-write.js';
import { withSpecReference } from '../src/docs/spec-reference.js';

const readme = readFileSync('README.md', 'utf8');
const updated = withSpecReference(readme);
if (updated !== readme) {
  await writeFileAtomic('README.md', updated);
  console.log('README.md: spec reference updated');
} else console.log('README.md: spec reference is up to date');
