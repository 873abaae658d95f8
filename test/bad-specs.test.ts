// The bad-spec corpus: every file in test/fixtures/bad holds one realistic mistake and starts
// with `# expect: LINE:COL <part of the message>`. The whole front half of the pipeline must
// reject it with a diagnostic at exactly that spot whose message contains that text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSpecFile } from '../src/compile/index.js';
import { formatDiagnostic } from '../src/compile/diagnostics.js';
import { findInvalidUtf8 } from '../src/lib/utf8.js';

const BAD_DIR = join(import.meta.dirname, 'fixtures', 'bad');
const EXPECT_LINE = /^# expect: (\d+):(\d+) (.+)$/;

const files = readdirSync(BAD_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('the corpus is there', () => {
  assert.ok(files.length >= 70, `only ${files.length} bad specs`);
  // Every category of mistake is represented, so no stage goes untested.
  for (const category of ['syntax', 'schema', 'semantic', 'shape', 'limit', 'codegen', 'check']) {
    assert.ok(
      files.some((f) => f.startsWith(`${category}-`)),
      `no ${category}-*.yaml in the corpus`,
    );
  }
});

for (const name of files) {
  test(`bad spec ${name}`, () => {
    const file = join(BAD_DIR, name);
    // The header is UTF-8 (it may quote a non-ASCII name); a file that is deliberately not
    // UTF-8 falls back to latin1 so it still yields its (ASCII) header line.
    const bytes = readFileSync(file);
    const header = bytes.toString(findInvalidUtf8(bytes) === undefined ? 'utf8' : 'latin1').split('\n', 1)[0] ?? '';
    const expected = EXPECT_LINE.exec(header.trimEnd());
    assert.ok(expected, `${name} must start with '# expect: LINE:COL message'`);
    const [, line, col, text] = expected;

    const result = compileSpecFile(file);
    assert.equal(result.ok, false, `${name} compiled, but it should have been rejected`);
    if (result.ok) return;
    const found = result.diagnostics.some((d) => d.line === Number(line) && d.col === Number(col) && d.message.includes(text ?? ''));
    assert.ok(found, `expected ${line}:${col} "${text}", got:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  });
}
