// Listing an image folder: one subfolder per class (sorted names), images anywhere below it.
// Files that are not images by their extension are skipped and counted, so that a README or
// a .DS_Store does not stop training; what was skipped is said once.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { DataError } from '../errors.js';
import { displayPath, listSome, plural } from '../display.js';
import { IMAGE_EXTENSIONS, type ImageFormat } from './header.js';

export interface ImageFile {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
  format: ImageFormat;
  /** Index into FolderListing.classes. */
  classIndex: number;
}

export interface FolderListing {
  root: string;
  /** Class folder names, sorted. */
  classes: string[];
  /** Images, by class then path. */
  files: ImageFile[];
  /** Files skipped because their extension is not an image's, by extension. */
  skipped: Map<string, number>;
  /** Files directly in the root, outside any class folder. */
  loose: number;
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'is a file, expected a folder of class folders' : `cannot be read (${(error as Error).message})`;
    throw new DataError(`${displayPath(dir)}: ${what}`);
  }
}

/** Regular files and folders only: links are followed, devices and pipes are left alone. */
function kindOf(dir: string, entry: Dirent): 'file' | 'dir' | 'other' {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const s = statSync(path.join(dir, entry.name));
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'other';
  }
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Images below `dir` (recursively), in a stable order; hidden files and folders are left out. */
function collect(dir: string, classIndex: number, out: ImageFile[], skipped: Map<string, number>, depth = 0): void {
  if (depth > 32) throw new DataError(`${displayPath(dir)}: folders nest more than 32 deep (a link loop?)`);
  for (const entry of readDir(dir).sort(byName)) {
    if (entry.name.startsWith('.')) {
      if (entry.isFile()) skipped.set(entry.name, (skipped.get(entry.name) ?? 0) + 1);
      continue;
    }
    const full = dir + path.sep + entry.name;
    const kind = kindOf(dir, entry);
    if (kind === 'dir') collect(full, classIndex, out, skipped, depth + 1);
    if (kind !== 'file') continue;
    const ext = path.extname(entry.name).toLowerCase();
    const format = IMAGE_EXTENSIONS[ext];
    if (!format) {
      const key = ext || '(no extension)';
      skipped.set(key, (skipped.get(key) ?? 0) + 1);
      continue;
    }
    out.push({ path: full, size: 0, mtimeMs: 0, format, classIndex });
  }
}

/** Lists `root`'s class folders and their images; an empty or single class is an error. */
export async function listImageFolder(root: string, options: { allowSingleClass?: boolean } = {}): Promise<FolderListing> {
  const entries = readDir(root).sort(byName);
  const classDirs = entries.filter((e) => !e.name.startsWith('.') && kindOf(root, e) === 'dir').map((e) => e.name);
  const loose = entries.filter((e) => !e.name.startsWith('.') && kindOf(root, e) === 'file').length;
  const shown = displayPath(root);
  if (classDirs.length === 0) {
    throw new DataError(
      `${shown}: has no class folders; expected one subfolder per class holding its images, e.g. ${path.join(shown, 'cat', '001.jpg')}`,
    );
  }
  if (classDirs.length === 1 && !options.allowSingleClass) {
    throw new DataError(
      `${shown}: has a single class folder (${classDirs[0]}); a classifier needs at least two classes, one subfolder each`,
    );
  }
  const files: ImageFile[] = [];
  const skipped = new Map<string, number>();
  const empty: string[] = [];
  classDirs.forEach((name, classIndex) => {
    const before = files.length;
    collect(path.join(root, name), classIndex, files, skipped);
    if (files.length === before) empty.push(name);
  });
  if (empty.length) {
    throw new DataError(
      `${shown}: ${empty.length === 1 ? 'class folder' : 'class folders'} ${listSome(empty.map((n) => `'${n}'`))} ` +
        `${empty.length === 1 ? 'holds' : 'hold'} no images (.png, .jpg, .jpeg, .gif, .webp, .tif, .tiff, .avif); add images or remove the folder`,
    );
  }
  // Size and modification time key the decoded-image cache.
  for (const f of files) {
    const s = statSync(f.path);
    f.size = s.size;
    f.mtimeMs = s.mtimeMs;
  }
  return { root, classes: classDirs, files, skipped, loose };
}

/** "skipped 3 files that are not images (2 .txt, 1 .DS_Store) in data/pets", or undefined. */
export function skippedNote(listing: FolderListing): string | undefined {
  const parts = [...listing.skipped.entries()].sort((a, b) => b[1] - a[1]).map(([ext, n]) => `${n} ${ext}`);
  const total = [...listing.skipped.values()].reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  if (total) notes.push(`skipped ${plural(total, 'file')} that ${total === 1 ? 'is' : 'are'} not an image (${listSome(parts)})`);
  if (listing.loose) notes.push(`skipped ${plural(listing.loose, 'file')} directly in the folder, outside any class folder`);
  return notes.length ? `${displayPath(listing.root)}: ${notes.join('; ')}` : undefined;
}
