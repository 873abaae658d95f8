// Strict UTF-8 checking that says where the first bad byte is, which TextDecoder cannot.

/**
 * Offset of the first byte that is not part of well-formed UTF-8 (overlong forms and
 * surrogates included), or undefined when the whole buffer is valid.
 */
export function findInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // Continuation count and the allowed range of the second byte (rules out overlongs,
    // surrogates and code points above U+10FFFF), per the Unicode standard's table 3-7.
    let count: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) count = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      count = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      count = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= count; k++) {
      const byte = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (byte === undefined || byte < min || byte > max) return i;
    }
    i += count + 1;
  }
  return undefined;
}
