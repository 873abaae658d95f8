// One escaper for every piece of text that goes into the report's HTML or SVG. Spec names,
// descriptions and layer names are user-written, so they are data, never markup: a
// description of `<script>alert(1)</script>` must show up as those characters, not run.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Characters that XML 1.0 forbids outright (C0 controls other than tab/LF/CR, lone
 * surrogates, U+FFFE/U+FFFF). A standalone .svg containing one fails to parse at all, so they
 * are replaced with U+FFFD rather than escaped: XML has no escape for them either.
 */
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Safe as HTML text, as a quoted HTML attribute value, and as SVG/XML text or attribute. */
export function escapeMarkup(value: unknown): string {
  return String(value)
    .replace(XML_FORBIDDEN, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Tagged template that escapes every interpolated value. Values already built as markup are
 * passed through only when wrapped in `raw()`, so forgetting to escape is not possible.
 */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const raw = (text: string): Markup => new Markup(text);

export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Markup(out);
}

function render(value: unknown): string {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeMarkup(value);
}
