// The report's stylesheet, inlined into every page so the file stands alone (no fonts or
// styles fetched from anywhere). System fonts only, light theme, readable when printed.
import { FONT, MONO } from './architecture.js';

export const REPORT_CSS = `
:root { color-scheme: light; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --card: #ffffff; --page: #f1f5f9; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font: 15px/1.5 ${FONT}; }
main { max-width: 1240px; margin: 0 auto; padding: 32px 28px 48px; }
header.top { margin-bottom: 24px; }
.eyebrow { margin: 0 0 4px; color: var(--accent); font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; }
h1 { margin: 0; font-size: 30px; line-height: 1.2; letter-spacing: -.01em; overflow-wrap: anywhere; }
.description { margin: 6px 0 0; color: #334155; font-size: 16px; max-width: 75ch; overflow-wrap: anywhere; }
h2 { margin: 0 0 14px; font-size: 17px; }
h2 + .caption { margin: -10px 0 12px; color: var(--muted); font-size: 13px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; margin: 20px 0 0; }
.fact { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.fact dt { color: var(--muted); font-size: 12px; }
.fact dd { margin: 2px 0 0; font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.fact.good dd { color: #15803d; }
.grid { display: grid; grid-template-columns: 602px minmax(0, 1fr); gap: 24px; align-items: start; }
@media (max-width: 1000px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px; box-shadow: 0 1px 2px rgba(15, 23, 42, .04); margin-bottom: 24px; min-width: 0; }
.card svg { display: block; max-width: 100%; height: auto; }
.scroll { overflow-x: auto; }
.note { color: #92400e; background: #fffbeb; border: 1px solid #fde68a; border-radius: 8px; padding: 8px 12px; }
table.summary { border-collapse: collapse; width: 100%; font-size: 14px; }
table.summary caption { text-align: left; color: var(--muted); font-family: ${MONO}; font-size: 13px; padding-bottom: 8px; caption-side: top; overflow-wrap: anywhere; }
table.summary th, table.summary td { padding: 7px 10px; text-align: left; border-bottom: 1px solid var(--line); }
table.summary thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid #cbd5e1; }
table.summary tbody tr:nth-child(even) { background: #f8fafc; }
table.summary tfoot th { font-weight: 500; color: #334155; }
table.summary tfoot tr:first-child th, table.summary tfoot tr:first-child td { border-top: 2px solid #cbd5e1; }
table.summary tfoot tr.block th, table.summary tfoot tr.block td { border-top: 2px solid #cbd5e1; }
table.summary tfoot th.heading { color: var(--muted); font-size: 12px; font-weight: 600; }
table.summary .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary .total { font-weight: 700; }
table.summary .shape { font-family: ${MONO}; font-size: 13px; white-space: nowrap; }
table.summary .layer-name { font-weight: 600; overflow-wrap: anywhere; }
table.summary .layer-type { color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; font-size: 14px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 8px; overflow-wrap: anywhere; }
code { font-family: ${MONO}; font-size: .92em; }
`;
