// How a hint spells another netspec command, so that it can be pasted as printed: the way this
// process was started decides it.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The scripts of a package.json, or none when it cannot be read. */
function scriptsOf(manifest: string): Record<string, unknown> {
  try {
    const scripts = (JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: unknown }).scripts;
    return scripts && typeof scripts === 'object' ? (scripts as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The npm scripts a hint may use: those of the package.json npm ran this process from, when one
 * of its scripts started netspec itself (not, say, a test runner that started it in turn); or
 * netspec's own, when its source launcher runs in its own folder (where `npm run` finds them).
 */
function reachableScripts(): Record<string, unknown> {
  const manifest = process.env.npm_package_json;
  if (manifest && /netspec/.test(process.env.npm_lifecycle_script ?? '')) return scriptsOf(manifest);
  const launcher = process.argv[1] ?? '';
  if (path.basename(launcher) === 'netspec-source.js') {
    const root = path.resolve(path.dirname(launcher), '..');
    if (path.resolve(process.cwd()) === root) return scriptsOf(path.join(root, 'package.json'));
  }
  return {};
}

/**
 * True when the script runs exactly `<command>` of netspec with no arguments of its own, so that
 * `npm run <command> -- <args>` means `netspec <command> <args>` (a script that already names a
 * spec would not take another, or --resume).
 */
function runsCommand(script: unknown, command: string): boolean {
  return typeof script === 'string' && new RegExp(`(^|[\\s/])netspec(-source\\.js)?\\s+${command}$`).test(script.trim());
}

/** An argument as a POSIX shell reads it back unchanged. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * `netspec <command> <args>` as the user would type it here: `npm run <command> -- <args>` when
 * a reachable npm script of that name runs exactly that command; `npx netspec ...` when netspec
 * runs from a project's node_modules; else `netspec ...`.
 */
export function commandHint(command: string, ...args: string[]): string {
  const tail = args.map((arg) => ` ${shellWord(arg)}`).join('');
  if (runsCommand(reachableScripts()[command], command)) return `npm run ${command}${tail === '' ? '' : ` --${tail}`}`;
  const runner = /[\\/]node_modules[\\/]/.test(process.argv[1] ?? '') ? 'npx netspec' : 'netspec';
  return `${runner} ${command}${tail}`;
}
