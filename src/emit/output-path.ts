// Where a spec's generated files go. The name is a schema-checked slug, but this is the last
// line of defence: no name may place a file outside the output folder or on a reserved name.
import { basename, dirname, join, resolve } from 'node:path';
import { isReservedFileName } from '../lib/file-names.js';

const SLUG = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/**
 * The path of `<dir>/<stem><ext>` for the spec named `name` (the stem is the name, or a form of
 * it such as a Python module name), or a plain-words reason why that name cannot be a file.
 */
export function outputPath(dir: string, name: string, ext: string, stem = name): { path: string } | { error: string } {
  if (!SLUG.test(name) || name.length > 64) {
    return { error: `name '${name}' cannot be used as a file name; use lowercase letters, digits and single - or _ (for example mnist-cnn)` };
  }
  if (isReservedFileName(stem)) {
    return { error: `name '${name}' is a reserved device name on Windows; choose another name` };
  }
  const path = join(dir, `${stem}${ext}`);
  if (dirname(resolve(path)) !== resolve(dir) || basename(path) !== `${stem}${ext}`) {
    return { error: `name '${name}' would place a file outside ${dir}/` };
  }
  return { path };
}
