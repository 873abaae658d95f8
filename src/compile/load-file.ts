// Stage 1 from a file on disk: reads the bytes (refusing folders, devices, pipes, oversized and
// non-UTF-8 files with a diagnostic) and hands the text to loadSpecText. Node only; the browser page
// loads spec text straight from its editor.
import { FileReadError, readRegularFileSync } from '../lib/safe-read.js';
import { failAtStart, loadSpecText, MAX_SPEC_BYTES, tooLargeMessage, type LoadResult } from './load.js';
import { findInvalidUtf8 } from '../lib/utf8.js';

/**
 * Reads and loads a spec file. Unreadable, oversized and non-UTF-8 files become diagnostics, as
 * do paths that are not regular files (a folder, /dev/zero, a named pipe): those are refused
 * before anything is read, and no more than MAX_SPEC_BYTES is ever read.
 */
export function loadSpecFile(file: string): LoadResult {
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(file, MAX_SPEC_BYTES);
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    if (error.problem === 'too-large') return failAtStart(file, tooLargeMessage(error.size ?? error.detail));
    if (error.detail.startsWith('is a folder')) return failAtStart(file, `'${file}' is a directory, not a spec file`);
    const what = error.problem === 'not-a-file' ? error.detail.replace(/; give the path of a regular file$/, '') : error.detail;
    const todo = error.problem === 'not-a-file' ? '; give the path of a spec file (.yaml)' : '';
    return failAtStart(file, `cannot read the spec file: ${what}${todo}`);
  }
  const badByte = findInvalidUtf8(bytes);
  if (badByte !== undefined) return invalidUtf8(file, bytes, badByte);
  return loadSpecText(file, bytes.toString('utf8'));
}

function invalidUtf8(file: string, bytes: Buffer, offset: number): LoadResult {
  // Everything before the bad byte is valid, so it decodes cleanly to find line and column.
  const before = bytes.subarray(0, offset).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const col = before.length - lineStart + 1;
  const hex = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  const message =
    `the spec file is not valid UTF-8: byte 0x${hex} at byte offset ${offset} is not part of a valid character; ` + 'save the file with UTF-8 encoding';
  return { ok: false, diagnostics: [{ file, line, col, message, path: '', stage: 'syntax' }] };
}
