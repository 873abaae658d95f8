// The live tfjs model of a compiled spec, built and cross-checked, with every way that can go
// wrong turned into a diagnostic at the layer concerned: a layer tfjs refuses although the
// compiler accepted it, weights too large to allocate, or a disagreement between tfjs and the
// compiler's inference. `compile` and every run (prepare.ts) build their models through here.

import os from 'node:os';
import type * as tf from '@tensorflow/tfjs';
import { buildModel, crossCheck, LayerBuildError } from '../emit/live.js';
import { formatShape } from '../shape.js';
import { formatBytes } from '../lib/safe-read.js';
import type { InferredModel, SpecDiagnostic } from '../types.js';

export type LiveResult = { ok: true; live: tf.LayersModel } | { ok: false; diagnostics: SpecDiagnostic[] };

/** Share of the machine's memory the weights alone may take: training needs several times that (gradients, optimizer slots). */
const MAX_MEMORY_SHARE = 0.25;

/** A diagnostic at layer `layer` of model.layers (the first layer when none is concerned). */
function diagnosticAt(model: InferredModel, layer: number | undefined, message: string): SpecDiagnostic {
  const node = model.layers[layer ?? 0]?.node;
  return {
    file: model.ir.source.file,
    line: node?.loc.line ?? 1,
    col: node?.loc.col ?? 1,
    path: node?.path ?? '/layers',
    stage: 'check',
    message,
  };
}

/** Refuses a model whose float32 weights alone would take more than a quarter of this machine's memory. */
function memoryProblem(model: InferredModel, totalMemory: number): SpecDiagnostic | undefined {
  const params = model.totals.trainable + model.totals.nonTrainable;
  const bytes = params * 4;
  if (bytes <= totalMemory * MAX_MEMORY_SHARE) return undefined;
  let largest = 0;
  model.layers.forEach((l, i) => {
    const own = l.params.trainable + l.params.nonTrainable;
    const best = model.layers[largest]!;
    if (own > best.params.trainable + best.params.nonTrainable) largest = i;
  });
  return diagnosticAt(
    model,
    largest,
    `the model's ${params.toLocaleString('en-US')} parameters take ${formatBytes(bytes)} as float32 weights, more than a quarter of ` +
      `this machine's ${formatBytes(totalMemory)} of memory (training needs several times the weights); make this layer or others smaller`,
  );
}

/**
 * Builds `model` in tfjs on the active backend and checks it against the compiler's inference.
 * On success the caller owns (and disposes) the live model.
 */
export function buildCheckedModel(model: InferredModel, options: { seed?: number; totalMemory?: number } = {}): LiveResult {
  const tooLarge = memoryProblem(model, options.totalMemory ?? os.totalmem());
  if (tooLarge) return { ok: false, diagnostics: [tooLarge] };
  let live: tf.LayersModel;
  try {
    live = buildModel(model, options.seed === undefined ? {} : { seed: options.seed });
  } catch (error) {
    if (!(error instanceof LayerBuildError)) throw error;
    const layer = model.layers[error.layer];
    const label = layer
      ? `layer ${layer.node.index + 1} '${layer.node.name}' (${layer.node.kind}) on its input ${layer.inputShapes.map((s) => formatShape(s)).join(' and ')}`
      : `layer ${error.layer + 1}`;
    const allocation = /allocation failed|invalid typed array length|out of memory/i.test(error.reason);
    const reason = error.reason.replace(/[.\s]+$/, '');
    const advice = allocation ? 'its weights cannot be allocated; make the layer smaller' : 'change this layer, or remove it if it has nothing to do';
    return { ok: false, diagnostics: [diagnosticAt(model, error.layer, `tfjs cannot build ${label}: ${reason}; ${advice}`)] };
  }
  const disagreements = crossCheck(model, live);
  if (disagreements.length === 0) return { ok: true, live };
  live.dispose();
  return {
    ok: false,
    diagnostics: disagreements.map(({ layer, message }) => diagnosticAt(model, layer, `the live tfjs model disagrees with the compiler: ${message}`)),
  };
}

/** tfjs on the cpu backend: building a model only to check it needs no fast kernels, and cpu starts at once. */
export async function useBuildBackend(): Promise<typeof tf> {
  const tfjs = await import('@tensorflow/tfjs');
  tfjs.env().set('PROD', true);
  if (tfjs.getBackend() !== 'cpu') await tfjs.setBackend('cpu');
  return tfjs;
}

/**
 * What `compile` checks without training: the live model built (on the cpu backend), checked
 * and disposed. Empty when it builds and agrees with the compiler.
 */
export async function liveModelProblems(model: InferredModel): Promise<SpecDiagnostic[]> {
  const tfjs = await useBuildBackend();
  try {
    const built = buildCheckedModel(model);
    if (!built.ok) return built.diagnostics;
    built.live.dispose();
    return [];
  } finally {
    tfjs.disposeVariables();
  }
}
