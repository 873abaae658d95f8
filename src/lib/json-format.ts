// JSON as people format it by hand: a list or mapping stays on one line when it fits in the
// width, and breaks one entry a line when it does not. Used for files people read and diff.

function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(value);
}

/** `value` as JSON text; `used` is how many columns the line already holds before it. */
export function formatJson(value: unknown, width = 100, indent = 0, used = indent): string {
  const flat = oneLine(value);
  if (used + flat.length <= width || value === null || typeof value !== 'object') return flat;
  const pad = ' '.repeat(indent + 2);
  const entries: string[] = Array.isArray(value)
    ? value.map((v) => `${pad}${formatJson(v, width, indent + 2)}`)
    : Object.entries(value).map(([k, v]) => {
        const head = `${pad}${JSON.stringify(k)}: `;
        return `${head}${formatJson(v, width, indent + 2, head.length)}`;
      });
  if (!entries.length) return flat;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${entries.join(',\n')}\n${' '.repeat(indent)}${close}`;
}
