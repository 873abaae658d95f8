// --workers refuses what data-parallel training cannot reproduce, before any data is loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from './helpers.js';

test('train --workers 2 on a spec with batch norm or dropout is a usage error naming the layers', () => {
  const out = tempDir();
  const r = runCli(['train', 'specs/mlp.yaml', '--workers', '2', '--limit', '64', '--epochs', '1', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--workers does not support batch_norm or dropout layers yet; specs\/mlp\.yaml has 'batch_normalization' \(batch_norm, line \d+\), 'dropout' \(dropout, line \d+\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
