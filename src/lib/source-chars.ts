// Characters that generated source code writes as escapes, never raw, inside string literals:
// shared by the TypeScript and Python emitters so both targets refuse the same tricks.

/**
 * C0/C1 controls and DEL (some end a line, a NUL is not even allowed in Python source), the
 * Unicode line and paragraph separators and U+0085 (editors break lines at them), the
 * bidirectional marks, embeddings, overrides and isolates (they make code display in another
 * order than it parses: "Trojan Source", CVE-2021-42574), the BOM, and lone surrogates (not
 * encodable as UTF-8, they would silently become U+FFFD).
 */
export function mustEscapeInSource(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x200e && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}
