// The architecture diagram: one box per layer, the input first, arrows from each layer to the
// layers that read it. A stack of layers is one column; a graph is laid out in rows by depth
// (a layer sits one row below the deepest layer it reads), branches side by side, and an arrow
// that skips rows (a residual connection) runs down the right-hand side. Drawn as hand-written
// SVG: a handful of rectangles, text lines and paths.
import { MODEL_INPUT } from '../compile/spec-schema.js';
import { layerKind } from '../layers/registry.js';
import type { LayerFamily } from '../layers/types.js';
import { formatShape, product } from '../shape.js';
import type { InferredModel } from '../types.js';
import { escapeMarkup as esc } from './escape.js';

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', sans-serif";
export const MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

const MARGIN = 16;
/** A box's width when it has its row to itself, and when it shares it with branches. */
const WIDE = 528;
const NARROW = 300;
const BOX_H = 62;
const GAP = 30;
const COLUMN_GAP = 24;
/** Room to the right of the boxes for arrows that skip rows. */
const LANE = 14;

/** Layer families share a colour so the eye groups convolutions, pools and dense layers. */
interface Palette {
  stroke: string;
  fill: string;
}
const PALETTES: Record<LayerFamily | 'input', Palette> = {
  input: { stroke: '#475569', fill: '#f1f5f9' },
  conv: { stroke: '#2563eb', fill: '#eff6ff' },
  pool: { stroke: '#0d9488', fill: '#f0fdfa' },
  dense: { stroke: '#ea580c', fill: '#fff7ed' },
  shape: { stroke: '#64748b', fill: '#f8fafc' },
  merge: { stroke: '#be185d', fill: '#fdf2f8' },
  other: { stroke: '#7c3aed', fill: '#f5f3ff' },
};

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Long user-written names would run out of the box; the full text stays in the tooltip. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

interface Box {
  id: string;
  name: string;
  typeName: string;
  family: LayerFamily | 'input';
  detail: string;
  shape: string;
  params: number;
  /** Ids of the boxes it reads. */
  reads: string[];
  /** The spec's own words about the layer, shown on hover. */
  description?: string;
}

function boxes(model: InferredModel): Box[] {
  const input: Box = {
    id: MODEL_INPUT,
    name: MODEL_INPUT,
    typeName: 'InputLayer',
    family: 'input',
    detail: `${fmt(product(model.ir.inputShape))} values per sample`,
    shape: formatShape(model.ir.inputShape, true),
    params: 0,
    reads: [],
  };
  return [
    input,
    ...model.layers.map((l): Box => {
      const def = layerKind(l.node.kind);
      return {
        id: l.node.id,
        name: l.node.name,
        typeName: l.typeName,
        family: def.family,
        detail: def.display(l.node.params).join(' · '),
        shape: formatShape(l.outputShape, true),
        params: l.params.trainable + l.params.nonTrainable,
        reads: l.node.inputs,
        ...(l.node.description ? { description: l.node.description } : {}),
      };
    }),
  ];
}

interface Placed {
  box: Box;
  x: number;
  y: number;
  width: number;
  row: number;
}

/** Rows by depth; within a row, boxes follow the mean position of what they read, then the spec's order. */
function layout(list: Box[]): { placed: Map<string, Placed>; width: number; height: number; rows: number } {
  const row = new Map<string, number>([[MODEL_INPUT, 0]]);
  for (const b of list.slice(1)) row.set(b.id, 1 + Math.max(...b.reads.map((id) => row.get(id) ?? 0)));
  const rows: Box[][] = [];
  for (const b of list) (rows[row.get(b.id)!] ??= []).push(b);
  const widest = Math.max(...rows.map((r) => r.length));
  const boxWidth = widest === 1 ? WIDE : NARROW;
  const contentWidth = widest * boxWidth + (widest - 1) * COLUMN_GAP;
  const placed = new Map<string, Placed>();
  rows.forEach((members, r) => {
    const centre = (b: Box): number => (b.reads.length ? b.reads.reduce((sum, id) => sum + (placed.get(id)?.x ?? 0), 0) / b.reads.length : 0);
    const ordered = r === 0 ? members : [...members].sort((a, b) => centre(a) - centre(b));
    const used = ordered.length * boxWidth + (ordered.length - 1) * COLUMN_GAP;
    ordered.forEach((box, i) => {
      const x = MARGIN + (contentWidth - used) / 2 + i * (boxWidth + COLUMN_GAP);
      placed.set(box.id, { box, x, y: MARGIN + r * (BOX_H + GAP), width: boxWidth, row: r });
    });
  });
  const skips = list.some((b) => b.reads.some((id) => row.get(b.id)! - row.get(id)! > 1));
  return {
    placed,
    width: MARGIN * 2 + contentWidth + (skips ? 3 * LANE : 0),
    height: MARGIN * 2 + rows.length * BOX_H + (rows.length - 1) * GAP,
    rows: rows.length,
  };
}

function drawBox(p: Placed, index: number): string {
  const b = p.box;
  const pal = PALETTES[b.family];
  const cls = index === 0 ? 'input' : 'layer';
  const paramText = b.params === 0 ? 'no params' : `${fmt(b.params)} params`;
  const tooltip = `${b.name} (${b.typeName}) — output ${b.shape}, ${paramText}${b.description ? `\n${b.description}` : ''}`;
  const narrow = p.width < WIDE;
  return [
    `<g class="${cls}" data-index="${index}" transform="translate(${p.x},${p.y})">`,
    `<title>${esc(tooltip)}</title>`,
    `<rect width="${p.width}" height="${BOX_H}" rx="8" fill="${pal.fill}" stroke="${pal.stroke}" stroke-width="1.5"/>`,
    `<rect width="6" height="${BOX_H}" rx="3" fill="${pal.stroke}"/>`,
    `<text x="20" y="25" font-size="15" fill="#0f172a"><tspan font-weight="600">${esc(clip(b.name, narrow ? 16 : 30))}</tspan>`,
    `<tspan dx="8" font-size="13" fill="${pal.stroke}">${esc(clip(b.typeName, narrow ? 14 : 24))}</tspan></text>`,
    `<text x="${p.width - 14}" y="25" font-size="13" text-anchor="end" fill="${b.params ? '#0f172a' : '#94a3b8'}" font-weight="${b.params ? 600 : 400}">${esc(paramText)}</text>`,
    `<text x="20" y="47" font-size="12.5" fill="#475569">${esc(clip(b.detail, narrow ? 20 : 44))}</text>`,
    `<text x="${p.width - 14}" y="47" font-size="12.5" text-anchor="end" fill="#334155" font-family="${esc(MONO)}">${esc(b.shape)}</text>`,
    `</g>`,
  ].join('');
}

const ARROW = 'class="arrow" fill="none" stroke="#94a3b8" stroke-width="2" marker-end="url(#arrowhead)"';

/** An arrow from one box to a box that reads it. */
function drawArrow(from: Placed, to: Placed, lane: number, laneX: number): string {
  const fx = from.x + from.width / 2;
  const tx = to.x + to.width / 2;
  const fy = from.y + BOX_H;
  if (to.row - from.row === 1) {
    if (fx === tx)
      return `<line class="arrow" x1="${fx}" y1="${fy + 2}" x2="${tx}" y2="${to.y - 3}" stroke="#94a3b8" stroke-width="2" marker-end="url(#arrowhead)"/>`;
    const mid = fy + GAP / 2;
    return `<path ${ARROW} d="M${fx},${fy + 2} C${fx},${mid} ${tx},${mid} ${tx},${to.y - 3}"/>`;
  }
  // Skips rows: out of the source's right side, down the lane, into the reader's right side.
  const x = laneX + lane * LANE;
  const sy = from.y + BOX_H / 2;
  const ty = to.y + BOX_H / 2;
  const sx = from.x + from.width;
  const ex = to.x + to.width;
  return `<path ${ARROW} d="M${sx + 2},${sy} H${x - 8} Q${x},${sy} ${x},${sy + 8} V${ty - 8} Q${x},${ty} ${x - 8},${ty} H${ex + 3}"/>`;
}

/** The whole diagram as a standalone SVG document (it also works inlined in HTML). */
export function renderArchitectureSvg(model: InferredModel): string {
  const list = boxes(model);
  const { placed, width, height } = layout(list);
  const parts = list.map((b, i) => drawBox(placed.get(b.id)!, i));
  const laneX = Math.max(...[...placed.values()].map((p) => p.x + p.width)) + LANE;
  let lanes = 0;
  for (const b of list) {
    for (const id of b.reads) {
      const from = placed.get(id)!;
      const to = placed.get(b.id)!;
      const skip = to.row - from.row > 1;
      parts.push(drawArrow(from, to, skip ? lanes % 3 : 0, laneX));
      if (skip) lanes += 1;
    }
  }
  const label = `Architecture of ${model.ir.name}: input and ${model.layers.length} layers`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="architecture" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" font-family="${esc(FONT)}">`,
    `<title>${esc(label)}</title>`,
    `<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`,
    `<path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs>`,
    ...parts,
    `</svg>`,
  ].join('\n');
}
