// Which files the server may touch. A request names a file by one plain name; the name is
// checked as text first (no folders, no dot files, nothing a shell or file system reads
// specially), then the file's real path, symbolic links followed, must still lie in the
// folder the request is about. Anything else is refused before a byte is read or written.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../lib/dirs.js';

export class PathRefused extends Error {
  override name = 'PathRefused';
  constructor(
    message: string,
    readonly status: 400 | 403 | 404,
  ) {
    super(message);
  }
}

/** One file name: no separators, no leading dot, no control characters, at most 255 bytes. */
export function checkFileName(name: string, what: string): void {
  const bad = name === '' || name.startsWith('.') || /[/\\\u0000-\u001f\u007f]/.test(name) || Buffer.byteLength(name) > 255;
  if (bad) throw new PathRefused(`${JSON.stringify(name)} is not a plain ${what} name`, 403);
}

/**
 * The path of file `name` in `folder` after checking it stays there. With `mustExist` the file
 * must be a regular file; otherwise it may be missing (a new file), but what is there must
 * not be a link or anything else leading out of the folder.
 */
export function fileInFolder(folder: string, name: string, what: string, mustExist: boolean): string {
  checkFileName(name, what);
  let realFolder: string;
  try {
    realFolder = realpathSync(folder);
  } catch {
    throw new PathRefused(`the folder ${folder} does not exist`, 404);
  }
  const file = path.join(realFolder, name);
  let exists = true;
  try {
    lstatSync(file);
  } catch {
    exists = false;
  }
  if (!exists) {
    if (mustExist) throw new PathRefused(`no ${what} named ${JSON.stringify(name)}`, 404);
    return file;
  }
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    // A dangling link: it points nowhere now, but a write would follow it.
    throw new PathRefused(`${JSON.stringify(name)} is a link that leads nowhere`, 403);
  }
  if (!isInside(realFolder, real)) throw new PathRefused(`${JSON.stringify(name)} leads outside ${path.basename(folder)}/`, 403);
  if (!statSync(real).isFile()) throw new PathRefused(`${JSON.stringify(name)} is not a regular file`, 403);
  return real;
}
