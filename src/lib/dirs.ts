// Creating output folders. Node's `mkdir(path, { recursive: true })` loops forever when the
// system answers ENOENT for a folder whose parent exists (it does under /proc and /sys), so
// folders are made here one level at a time, with a plain error for each way that can fail.
// The folders made are returned, outermost first, so a command that fails before writing
// anything into them can take them away again (see removeCreated). Also: whether a path lies
// inside a folder.

import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** An error shaped like Node's own system errors, so describeFsError words it the same way. */
function systemError(code: string, syscall: string, at: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, ${syscall} '${at}'`), { code, syscall, path: at });
}

function existingKind(at: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(at).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a file further up is in the way; walking up finds and names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
}

/**
 * Makes `dir` and any missing parents; returns the folders it created, outermost first (empty
 * when `dir` already existed). A path component that exists but is not a folder fails with
 * ENOTDIR (or EEXIST for `dir` itself) naming that component.
 */
export function ensureDir(dir: string): string[] {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    const kind = existingKind(at);
    if (kind === 'folder') break;
    if (kind === 'other') {
      const rel = path.relative(process.cwd(), at);
      const shown = at === target ? dir : rel && !rel.startsWith('..') ? rel : at;
      throw at === target
        ? systemError('EEXIST', 'mkdir', shown, 'file already exists and is not a folder')
        : systemError('ENOTDIR', 'mkdir', shown, 'not a directory');
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break; // a missing root: mkdir below reports it
    at = parent;
  }
  const created: string[] = [];
  for (const folder of missing) {
    try {
      mkdirSync(folder);
      created.push(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && existingKind(folder) === 'folder') continue; // made by someone else meanwhile
      // The parent exists, so ENOENT here means the file system refuses new folders (/proc, /sys).
      if (code === 'ENOENT') throw systemError('EPERM', 'mkdir', folder, 'operation not permitted');
      throw error;
    }
  }
  return created;
}

/** Removes folders that ensureDir created, innermost first, as long as they are still empty. */
export function removeCreated(created: readonly string[]): void {
  for (const folder of [...created].reverse()) {
    try {
      rmdirSync(folder);
    } catch {
      return; // not empty (or gone): leave it and everything above it
    }
  }
}

/**
 * True when `file` lies under `folder` (both absolute, links already resolved), the folder
 * itself excluded. A name that merely starts with two dots ('..preds.csv') is inside.
 */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
