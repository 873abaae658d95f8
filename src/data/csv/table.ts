// Reading a CSV table with csv-parse: a header row naming the columns, then data rows, each
// checked to have one value per column. Every problem names the file and the line (and the
// column where there is one), so it can be found in an editor.
import { createRequire } from 'node:module';
import type { CsvError } from 'csv-parse/sync';
import { didYouMean } from '../../compile/diagnostics.js';
import { DataError } from '../errors.js';
import { listSome } from '../display.js';
import { readDataFile } from '../read-file.js';

/** csv-parse, loaded on first use: the commands that never read a table (compile, help) skip it. */
const require = createRequire(import.meta.url);
const csvParse = (): typeof import('csv-parse/sync') => require('csv-parse/sync') as typeof import('csv-parse/sync');

/**
 * CSV files are read whole, as one string: the longest V8 makes is 2^29 - 24 characters (24
 * short of 512 MiB), and a UTF-8 file has at least as many bytes as characters.
 */
export const MAX_CSV_BYTES = 2 ** 29 - 24;

export interface TableRow {
  /** Line of the file the row ends on, 1-based (the header is line 1). */
  line: number;
  cells: string[];
}

export interface Table {
  file: string;
  header: string[];
  rows: TableRow[];
}

/** `,` unless the file name ends in .tsv (tab). */
export function defaultDelimiter(file: string): string {
  return file.toLowerCase().endsWith('.tsv') ? '\t' : ',';
}

function parseError(error: CsvError, file: string): DataError {
  const line = (error as CsvError & { lines?: number }).lines;
  const at = line ? `${file}:${line}` : file;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(`${at}: a quoted field is not closed by the end of the file`);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return new DataError(`${at}: a quote inside a field; quote the whole field and double the quotes inside it ("say ""hi""")`);
    default:
      return new DataError(`${at}: not valid CSV (${error.code})`);
  }
}

/** Parses CSV text; `file` names it in messages. */
export function parseTable(text: string, file: string, delimiter: string): Table {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = csvParse().parse(text, { bom: true, delimiter, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof csvParse().CsvError) throw parseError(error, file);
    throw error;
  }
  if (records.length === 0) throw new DataError(`${file}: the file is empty; expected a header row naming the columns, then data rows`);
  const header = records[0]!.record.map((name) => name.trim());
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') throw new DataError(`${file}:${records[0]!.info.lines}: column ${i + 1} has no name in the header row; every column needs a name`);
    const first = seen.get(name);
    if (first !== undefined) {
      throw new DataError(`${file}:${records[0]!.info.lines}: column '${name}' appears twice in the header row (columns ${first + 1} and ${i + 1}); column names must be unique`);
    }
    seen.set(name, i);
  });
  if (header.length === 1 && delimiter === ',' && /[;\t|]/.test(header[0]!)) {
    throw new DataError(`${file}:1: the header has a single column '${header[0]}'; if the file is separated by ';' or tabs, set the dataset's delimiter`);
  }
  const rows: TableRow[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length !== header.length) {
      throw new DataError(
        `${file}:${info.lines}: the row has ${record.length} ${record.length === 1 ? 'value' : 'values'} but the header names ${header.length} columns; ` +
          'every row needs one value per column (quote values that contain the delimiter)',
      );
    }
    rows.push({ line: info.lines, cells: record });
  }
  if (rows.length === 0) throw new DataError(`${file}: has a header row but no data rows`);
  return { file, header, rows };
}

/**
 * Lines and cells a CSV file may have. The parser holds every row as an array of strings, about
 * 17 bytes a cell and more a row: 25 million short rows (a 100 MB file) ran the process out of
 * memory, and 5 million rows of 50 one-digit cells would need about 4 GiB.
 */
export const MAX_CSV_LINES = 5_000_000;
export const MAX_CSV_CELLS = 100_000_000;

/** Occurrences of one byte value. */
function countByte(bytes: Buffer, value: number): number {
  let count = 0;
  for (let at = bytes.indexOf(value); at >= 0; at = bytes.indexOf(value, at + 1)) count++;
  return count;
}

export async function readTable(path: string, file: string, delimiter: string): Promise<Table> {
  const bytes = await readDataFile(path, file, 'a CSV file', MAX_CSV_BYTES);
  // Rows end in LF, CRLF or a lone CR (the parser takes any): the larger count bounds them.
  const lines = Math.max(countByte(bytes, 0x0a), countByte(bytes, 0x0d));
  const firstLineEnd = [bytes.indexOf(0x0a), bytes.indexOf(0x0d)].filter((at) => at >= 0);
  const header = bytes.subarray(0, firstLineEnd.length > 0 ? Math.min(...firstLineEnd) : bytes.length);
  const columns = delimiter.length === 1 ? countByte(header, delimiter.charCodeAt(0)) + 1 : 1;
  const limit = lines > MAX_CSV_LINES ? `${MAX_CSV_LINES.toLocaleString('en-US')} lines` : lines * columns > MAX_CSV_CELLS ? `${MAX_CSV_CELLS.toLocaleString('en-US')} cells` : undefined;
  if (limit) {
    throw new DataError(
      `${file}: has ${lines.toLocaleString('en-US')} lines of ${columns.toLocaleString('en-US')} columns, over the limit of ${limit} for a CSV table (every row is held in memory while it is read); use a sample of the rows`,
    );
  }
  return parseTable(bytes.toString('utf8'), file, delimiter);
}

/** The index of a named column, or an error naming the file, the key that asked and the columns there are. */
export function columnIndex(table: Table, name: string, key: string): number {
  const index = table.header.indexOf(name);
  if (index >= 0) return index;
  // One- and two-letter names are one edit from each other; a suggestion there would be noise.
  const suggestion = name.length > 2 ? didYouMean(name, table.header) : undefined;
  const hint = suggestion ? `did you mean '${suggestion}'?` : `the columns are ${listSome(table.header.map((h) => `'${h}'`), 12)}`;
  throw new DataError(`${table.file}:1: no column named '${name}' (the dataset's ${key}); ${hint}`);
}
