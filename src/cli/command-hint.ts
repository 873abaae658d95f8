// How a hint spells another netspec command, so that it can be pasted as printed: the way this
// process was started decides it.
import { readFileSync } from 'node:fs';

/**
 * The scripts of the package.json npm ran this process from, when one of its scripts started
 * netspec itself (not, say, a test runner that started netspec in turn).
 */
function npmScripts(): Record<string, unknown> {
  const manifest = process.env.npm_package_json;
  if (!manifest || !/netspec/.test(process.env.npm_lifecycle_script ?? '')) return {};
  try {
    const scripts = (JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: unknown }).scripts;
    return scripts && typeof scripts === 'object' ? (scripts as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** An argument as a POSIX shell reads it back unchanged. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * `netspec <command> <args>` as the user would type it here: `npm run <command> -- <args>` when
 * an npm script started this process and the project has a script of that name; `npx netspec ...`
 * when netspec runs from a project's node_modules; else `netspec ...`.
 */
export function commandHint(command: string, ...args: string[]): string {
  const tail = args.map((arg) => ` ${shellWord(arg)}`).join('');
  if (typeof npmScripts()[command] === 'string') return `npm run ${command}${tail === '' ? '' : ` --${tail}`}`;
  const runner = /[\\/]node_modules[\\/]/.test(process.argv[1] ?? '') ? 'npx netspec' : 'netspec';
  return `${runner} ${command}${tail}`;
}
