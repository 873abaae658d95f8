// The architecture diagram: one box per layer, stacked top to bottom with arrows, the input
// first. Drawn as hand-written SVG because it is a handful of rectangles and text lines; a
// graph-layout library would add weight without adding anything for a chain of layers.
import { formatShape } from '../shape.js';
import type { InferredLayer, InferredModel, LayerParams } from '../types.js';
import { escapeMarkup as esc } from './escape.js';

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', sans-serif";
export const MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

const WIDTH = 560;
const BOX_X = 16;
const BOX_W = WIDTH - 2 * BOX_X;
const BOX_H = 62;
const GAP = 30;
const TOP = 16;

/** Layer families share a colour so the eye groups convolutions, pools and dense layers. */
interface Palette {
  stroke: string;
  fill: string;
}
const PALETTES: Record<string, Palette> = {
  input: { stroke: '#475569', fill: '#f1f5f9' },
  conv: { stroke: '#2563eb', fill: '#eff6ff' },
  pool: { stroke: '#0d9488', fill: '#f0fdfa' },
  dense: { stroke: '#ea580c', fill: '#fff7ed' },
  shape: { stroke: '#64748b', fill: '#f8fafc' },
  other: { stroke: '#7c3aed', fill: '#f5f3ff' },
};

export function family(kind: string): keyof typeof PALETTES {
  if (kind === 'input') return 'input';
  if (kind.startsWith('conv')) return 'conv';
  if (kind.includes('pool')) return 'pool';
  if (kind === 'dense') return 'dense';
  if (kind === 'flatten' || kind === 'reshape') return 'shape';
  return 'other';
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const pairText = (v: unknown): string => (Array.isArray(v) ? v.join('×') : String(v));

/** One short line of the hyperparameters that matter when reading a figure. */
export function layerDetail(kind: string, p: LayerParams): string {
  const parts: string[] = [];
  if (p.filters !== undefined) parts.push(`${p.filters} filters`);
  if (p.kernel !== undefined) parts.push(`${pairText(p.kernel)} kernel`);
  if (p.pool !== undefined) parts.push(`${pairText(p.pool)} pool`);
  if (p.units !== undefined) parts.push(`${p.units} units`);
  if (p.rate !== undefined) parts.push(`rate ${p.rate}`);
  if (p.target_shape !== undefined) parts.push(`to ${pairText(p.target_shape)}`);
  const strides = p.strides;
  if (Array.isArray(strides) && strides.some((s) => s !== 1) && kind.startsWith('conv')) parts.push(`stride ${pairText(strides)}`);
  if (p.padding === 'same') parts.push('same padding');
  if (typeof p.activation === 'string' && p.activation !== 'linear') parts.push(p.activation);
  return parts.join(' · ');
}

/** Long user-written names would run out of the box; the full text stays in the tooltip. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

interface Box {
  name: string;
  typeName: string;
  kind: string;
  detail: string;
  shape: string;
  params: number;
  /** The spec's own words about the layer, shown on hover. */
  description?: string;
}

function boxes(model: InferredModel): Box[] {
  const input: Box = {
    name: 'input',
    typeName: 'InputLayer',
    kind: 'input',
    detail: `${model.ir.inputShape.reduce((a, b) => a * b, 1).toLocaleString('en-US')} values per sample`,
    shape: formatShape(model.ir.inputShape, true),
    params: 0,
  };
  return [
    input,
    ...model.layers.map((l: InferredLayer) => ({
      name: l.node.name,
      typeName: l.typeName,
      kind: l.node.kind,
      detail: layerDetail(l.node.kind, l.node.params),
      shape: formatShape(l.outputShape, true),
      params: l.params.trainable + l.params.nonTrainable,
      ...(l.node.description ? { description: l.node.description } : {}),
    })),
  ];
}

function drawBox(b: Box, index: number, y: number): string {
  const pal = PALETTES[family(b.kind)]!;
  const cls = index === 0 ? 'input' : 'layer';
  const paramText = b.params === 0 ? 'no params' : `${fmt(b.params)} params`;
  const tooltip = `${b.name} (${b.typeName}) — output ${b.shape}, ${paramText}${b.description ? `\n${b.description}` : ''}`;
  return [
    `<g class="${cls}" data-index="${index}" transform="translate(${BOX_X},${y})">`,
    `<title>${esc(tooltip)}</title>`,
    `<rect width="${BOX_W}" height="${BOX_H}" rx="8" fill="${pal.fill}" stroke="${pal.stroke}" stroke-width="1.5"/>`,
    `<rect width="6" height="${BOX_H}" rx="3" fill="${pal.stroke}"/>`,
    `<text x="20" y="25" font-size="15" fill="#0f172a"><tspan font-weight="600">${esc(clip(b.name, 30))}</tspan>`,
    `<tspan dx="8" font-size="13" fill="${pal.stroke}">${esc(clip(b.typeName, 24))}</tspan></text>`,
    `<text x="${BOX_W - 14}" y="25" font-size="13" text-anchor="end" fill="${b.params ? '#0f172a' : '#94a3b8'}" font-weight="${b.params ? 600 : 400}">${esc(paramText)}</text>`,
    `<text x="20" y="47" font-size="12.5" fill="#475569">${esc(clip(b.detail, 44))}</text>`,
    `<text x="${BOX_W - 14}" y="47" font-size="12.5" text-anchor="end" fill="#334155" font-family="${esc(MONO)}">${esc(b.shape)}</text>`,
    `</g>`,
  ].join('');
}

function drawArrow(yFrom: number, yTo: number): string {
  const x = WIDTH / 2;
  return `<line class="arrow" x1="${x}" y1="${yFrom + 2}" x2="${x}" y2="${yTo - 3}" stroke="#94a3b8" stroke-width="2" marker-end="url(#arrowhead)"/>`;
}

/**
 * The whole diagram as a standalone SVG document (it also works inlined in HTML). Layers are
 * drawn in model order; every IR today is a chain, so each box feeds the next.
 */
export function renderArchitectureSvg(model: InferredModel): string {
  const list = boxes(model);
  const height = TOP * 2 + list.length * BOX_H + (list.length - 1) * GAP;
  const parts = list.map((b, i) => drawBox(b, i, TOP + i * (BOX_H + GAP)));
  for (let i = 1; i < list.length; i++) {
    const top = TOP + i * (BOX_H + GAP);
    parts.push(drawArrow(top - GAP, top));
  }
  const label = `Architecture of ${model.ir.name}: input and ${model.layers.length} layers`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="architecture" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${esc(label)}" font-family="${esc(FONT)}">`,
    `<title>${esc(label)}</title>`,
    `<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`,
    `<path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs>`,
    ...parts,
    `</svg>`,
  ].join('\n');
}
