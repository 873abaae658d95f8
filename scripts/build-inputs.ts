// What dist/ is built from, as one hash, and where `npm run build` records the hash of the
// sources it built. The test suite runs the command as users run it (bin/netspec.js on dist/)
// and rebuilds dist/ first when this hash no longer matches (test/built-cli.ts): starting from
// dist/ takes a third of the time that compiling the TypeScript sources at every start does,
// and the suite starts the command a few hundred times.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Files besides src/ whose change changes what the build writes. */
const OTHER_INPUTS = [
  'scripts/build.ts',
  'scripts/build-inputs.ts',
  'scripts/precompiled-templates.ts',
  'scripts/precompiled-validator.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.build.json',
];

/** The hash of the last build's inputs, written by scripts/build.ts (.cache/ is git-ignored). */
export const BUILD_INPUTS_STAMP = path.join('.cache', 'dist-inputs.sha256');

/**
 * Every file under `dir` (full paths, sorted), leaving out the folder `except`. Walked by hand:
 * readdirSync's `recursive` and its entries' `parentPath` are missing from early Node 20 releases.
 */
export function filesUnder(dir: string, except?: string): string[] {
  const files: string[] = [];
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && full !== except) visit(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  visit(dir);
  return files.sort();
}

/** sha256 over the path and contents of every file under src/ (the page's own folder aside, which build:web bundles) and OTHER_INPUTS. */
export function buildInputsHash(root: string): string {
  const sources = filesUnder(path.join(root, 'src'), path.join(root, 'src', 'web')).map((file) => path.relative(root, file));
  const hash = createHash('sha256');
  for (const file of [...sources, ...OTHER_INPUTS.filter((f) => existsSync(path.join(root, f)))].sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
