// The escaper that stands between spec strings and generated code: whatever the string, the
// literal must denote exactly that string and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIdentifier, tsLiteral, tsString } from '../src/lib/ts-literal.js';

const evaluate = (literal: string): unknown => new Function(`"use strict"; return (${literal});`)();

test('tsString round-trips any string, including quotes, backslashes, line terminators and lone surrogates', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const literal = tsString(s);
      assert.equal(evaluate(literal), s);
      assert.ok(!/[\n\r\u2028\u2029]/.test(literal), 'a literal never spans lines');
    }),
    { seed: 20261127, numRuns: 2000 },
  );
});

test('hostile strings stay inside their literal', () => {
  for (const s of ['"); process.exit(1); ("', '*/ process.exit(1) /*', '`${process.exit(1)}`', '\\', '{{x}}', 'a\u2028b']) {
    assert.equal(evaluate(tsString(s)), s);
  }
});

test('tsLiteral keeps structure and quotes keys that are not identifiers', () => {
  const value = { a: [1, 2.5, -3], 'b-c': 'x"y', d: null, e: true, default: { f: [] } };
  assert.deepEqual(evaluate(tsLiteral(value)), value);
  assert.throws(() => tsLiteral(Number.NaN));
});

test('isIdentifier rejects reserved words and anything that is not a plain name', () => {
  assert.ok(isIdentifier('buildMnistCnn'));
  for (const bad of ['class', 'default', '1abc', 'a-b', 'a b', '', 'x;y']) assert.ok(!isIdentifier(bad), bad);
});

test('bidirectional controls, C1 controls and the BOM are escaped, so code displays as it parses (Trojan Source)', () => {
  const tricky = [0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff, 0x85, 0x9b];
  for (const code of tricky) {
    const s = `admin${String.fromCodePoint(code)}"; evil(); "`;
    const literal = tsString(s);
    assert.equal(evaluate(literal), s);
    assert.ok(![...literal].some((ch) => ch.codePointAt(0) === code), `U+${code.toString(16)} stays raw in ${JSON.stringify(literal)}`);
    assert.ok(literal.includes(`\\u${code.toString(16).padStart(4, '0')}`));
  }
  // Printable non-ASCII text is kept as written: names in any script stay readable.
  assert.equal(tsString('日本 é ✓'), '"日本 é ✓"');
});
