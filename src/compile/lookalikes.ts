// Text that looks right but is not: keys and names holding invisible characters, letters from
// another alphabet that look like Latin ones (a Cyrillic 'і' in 'kіnd'), or stray spaces. Such a
// spec fails with a message that would otherwise quote the text exactly as it looks, which
// explains nothing; these helpers say what is actually there.

/** Characters that take no space or only steer the text's direction. */
export const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/u;

const INVISIBLE_NAMES: Readonly<Record<string, string>> = {
  '\u00ad': 'soft hyphen',
  '\u200b': 'zero-width space',
  '\u200c': 'zero-width non-joiner',
  '\u200d': 'zero-width joiner',
  '\u200e': 'left-to-right mark',
  '\u200f': 'right-to-left mark',
  '\u2060': 'word joiner',
  '\ufeff': 'byte order mark',
};

/** Letters of other alphabets that look like Latin ones, and the letter they pass for. */
const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  // Greek
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  // Fullwidth forms are folded by NFKC below.
};

const code = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function alphabet(c: string): string {
  const n = c.codePointAt(0)!;
  if (n >= 0x400 && n <= 0x52f) return 'Cyrillic';
  if (n >= 0x370 && n <= 0x3ff) return 'Greek';
  return 'non-Latin';
}

/** What the text would be if it were what it looks like: lookalikes replaced, invisibles and outer spaces removed. */
export function skeleton(text: string): string {
  return [...text.normalize('NFKC')]
    .filter((c) => !INVISIBLE.test(c))
    .map((c) => LOOKALIKES[c] ?? c)
    .join('')
    .trim();
}

/**
 * The first thing in `text` that makes it differ from how it looks, in words
 * ("an invisible zero-width space (U+200B)", "a Cyrillic 'і' (U+0456) that looks like 'i'",
 * "a space at the end"), or undefined when it is plain.
 */
export function oddCharacter(text: string): string | undefined {
  for (const c of text) {
    if (INVISIBLE.test(c)) return `an invisible ${INVISIBLE_NAMES[c] ?? 'formatting character'} (${code(c)})`;
    const plain = LOOKALIKES[c];
    if (plain) return `a ${alphabet(c)} '${c}' (${code(c)}) that looks like the Latin '${plain}'`;
    if (c !== c.normalize('NFKC') && /^[\x21-\x7e]+$/.test(c.normalize('NFKC')))
      return `a wide or styled '${c}' (${code(c)}) that stands for '${c.normalize('NFKC')}'`;
    if (c === '\u00a0') return `a no-break space (${code(c)})`;
  }
  if (text !== text.trimEnd()) return 'a space at the end';
  if (text !== text.trimStart()) return 'a space at the start';
  return undefined;
}
