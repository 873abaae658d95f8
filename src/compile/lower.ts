// Stage 3: a schema-valid document -> the typed model IR. Fills in defaults, gives every layer
// a unique name (Keras's automatic names when the spec gives none), connects each layer to what
// it reads (the layer before it, or the layers its `inputs` name) and records where each layer
// was written, so later stages can point at it. Mistakes in the wiring (unknown or duplicate
// names, cycles, layers that lead nowhere) are all reported at once, each at its own line.
import { lowerDataset } from '../data/registry.js';
import { layerKind } from '../layers/registry.js';
import type { AnyLayerKind } from '../layers/types.js';
import type { PositionIndex } from './load.js';
import type { IRNode, ModelIR, OptimizerConfig, SpecDiagnostic, TrainingConfig } from '../types.js';
import { withDefaults } from './defaults.js';
import { compareDiagnostics, didYouMean } from './diagnostics.js';
import { orderGraph } from './graph.js';
import { lowerTrainingControls } from './training-controls.js';
import { MODEL_INPUT } from './spec-schema.js';

type Doc = Record<string, unknown>;

export interface LowerResult {
  ir?: ModelIR;
  diagnostics: SpecDiagnostic[];
}

/** A layer as lowering sees it before it is wired: its kind, names and what it asked to read. */
interface Draft {
  node: IRNode;
  def: AnyLayerKind;
  /** The names it reads, as written (undefined: the layer before it). */
  reads: string[] | undefined;
}

export function lowerSpec(doc: Doc, positions: PositionIndex, file: string, sha256: string): LowerResult {
  const diagnostics: SpecDiagnostic[] = [];
  const report = (path: string, message: string, use = false): void => {
    diagnostics.push({ file, ...(use ? positions.locateUse(path) : positions.locate(path)), path, stage: 'semantic', message });
  };
  const drafts = draftLayers(doc.layers as Doc[], positions, file, report);
  const byName = new Map(drafts.map((d) => [d.node.name, d.node]));

  drafts.forEach((draft, index) => {
    const { node, def, reads } = draft;
    const label = layerLabel(node);
    if (reads === undefined) {
      node.inputs = [index === 0 ? MODEL_INPUT : drafts[index - 1]!.node.id];
    } else {
      node.inputs = reads.flatMap((name, j) => {
        const path = Array.isArray((doc.layers as Doc[])[index]?.inputs) ? `${node.path}/inputs/${j}` : `${node.path}/inputs`;
        if (name === MODEL_INPUT) return [MODEL_INPUT];
        const source = byName.get(name);
        if (source === node) {
          report(path, `${label} reads itself ('${name}'); a layer can only read other layers or ${MODEL_INPUT}`, true);
          return [];
        }
        if (source) return [source.id];
        const suggestion = didYouMean(name, [MODEL_INPUT, ...byName.keys()]);
        const hint = suggestion ? `did you mean '${suggestion}'?` : `the names are those of the layers and '${MODEL_INPUT}' for the model's input`;
        report(path, `${label} reads '${name}', which is not a layer of this spec; ${hint}`, true);
        return [];
      });
    }
    const arity = def.arity ?? { min: 1, max: 1 };
    const count = reads?.length ?? 1;
    if (count < arity.min || (arity.max !== undefined && count > arity.max)) {
      report(reads === undefined ? node.path : `${node.path}/inputs`, arityMessage(def, count), true);
    }
  });

  const output = outputNode(doc, drafts, byName, report);
  if (diagnostics.length || !output) return { diagnostics: diagnostics.sort(compareDiagnostics) };

  const ordered = orderGraph(
    drafts.map((d) => d.node),
    output.id,
  );
  for (const cycle of ordered.cycles) {
    const names = cycle.map((n) => `'${n.name}'`);
    const first = cycle[0]!;
    const links = cycle.map((n, i) => `'${n.name}' reads '${(cycle[i + 1] ?? first).name}'`);
    report(
      `${first.path}/inputs`,
      `layers ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} read each other in a circle (${links.join(', ')}), so none of them can be computed first; ` +
        'break the circle by making one of them read an earlier layer or input',
      true,
    );
  }
  for (const node of ordered.unused) {
    report(
      node.path,
      `${layerLabel(node)}: its output reaches no output of the model (no layer reads it, and it is not the output ` +
        `'${output.name}'); make a later layer read it with inputs:, set output: to it, or remove it`,
      true,
    );
  }
  if (diagnostics.length) return { diagnostics: diagnostics.sort(compareDiagnostics) };

  const functional = drafts.some((d) => d.reads !== undefined) || doc.output !== undefined;
  const ir: ModelIR = {
    name: doc.name as string,
    inputShape: doc.input as number[],
    form: functional ? 'functional' : 'sequential',
    nodes: ordered.nodes,
    output: output.id,
    source: { file, sha256 },
  };
  if (typeof doc.description === 'string') ir.description = doc.description;
  if (doc.expect) ir.expect = doc.expect as ModelIR['expect'];
  if (doc.training) ir.training = lowerTraining(doc.training as Doc);
  return { ir, diagnostics };
}

/** "layer 3 'conv2d_1' (conv2d)", as every message names a layer. */
export function layerLabel(node: Pick<IRNode, 'index' | 'name' | 'kind'>): string {
  return `layer ${node.index + 1} '${node.name}' (${node.kind})`;
}

/** Each layer's kind, typed parameters and name, with duplicate and reserved names reported. */
function draftLayers(rawLayers: Doc[], positions: PositionIndex, file: string, report: (path: string, message: string, use?: boolean) => void): Draft[] {
  const explicitNames = new Set(rawLayers.map((l) => l.name).filter((n): n is string => typeof n === 'string'));
  const seenNames = new Map<string, number>();
  const autoCounters = new Map<string, number>();
  return rawLayers.map((raw, index) => {
    const path = `/layers/${index}`;
    const def = layerKind(raw.kind as string);
    const name = typeof raw.name === 'string' ? raw.name : autoName(def.autoName, autoCounters, explicitNames);
    const firstIndex = seenNames.get(name);
    if (name === MODEL_INPUT) {
      report(`${path}/name`, `layer name '${MODEL_INPUT}' is reserved for the model's input (layers read it with inputs: ${MODEL_INPUT}); choose another name`);
    } else if (firstIndex !== undefined) {
      report(`${path}/name`, `layer name '${name}' is already used by layer ${firstIndex + 1}; layer names must be unique`, true);
    } else {
      seenNames.set(name, index);
    }
    const node: IRNode = {
      id: `n${index}`,
      index,
      name,
      kind: def.kind,
      params: def.normalize(withDefaults(def.params, raw)),
      inputs: [],
      loc: { file, ...positions.locateUse(path) },
      path,
    };
    if (typeof raw.description === 'string') node.description = raw.description;
    if (raw.expect) node.expect = raw.expect as IRNode['expect'];
    const reads = raw.inputs === undefined ? undefined : typeof raw.inputs === 'string' ? [raw.inputs] : (raw.inputs as string[]);
    return { node, def, reads };
  });
}

function arityMessage(def: AnyLayerKind, count: number): string {
  const { min, max } = def.arity ?? { min: 1, max: 1 };
  const article = /^[aeiou]/.test(def.kind) ? 'an' : 'a';
  if (max === 1) {
    return (
      `${article} ${def.kind} layer reads exactly one input, but inputs lists ${count}; only merge layers ` +
      '(add, subtract, multiply, average, maximum, minimum, concatenate) read several'
    );
  }
  const wanted = max === undefined ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
  return (
    `${article} ${def.kind} layer reads ${wanted} inputs, but ${count === 1 ? 'it reads 1' : `inputs lists ${count}`}; ` +
    `list them by name, e.g. inputs: [${['a', 'b', 'c'].slice(0, Math.max(min, 2)).join(', ')}]`
  );
}

/** The node named by `output:`, or the last layer. */
function outputNode(doc: Doc, drafts: Draft[], byName: ReadonlyMap<string, IRNode>, report: (path: string, message: string) => void): IRNode | undefined {
  if (typeof doc.output !== 'string') return drafts[drafts.length - 1]?.node;
  const node = byName.get(doc.output);
  if (node) return node;
  const suggestion = didYouMean(doc.output, [...byName.keys()]);
  const hint = doc.output === MODEL_INPUT ? 'the output must be a layer' : suggestion ? `did you mean '${suggestion}'?` : 'name one of the layers';
  report('/output', `output '${doc.output}' is not a layer of this spec; ${hint}`);
  return undefined;
}

/** Keras's scheme: conv2d, conv2d_1, conv2d_2, ... skipping names the spec uses explicitly. */
function autoName(prefix: string, counters: Map<string, number>, taken: Set<string>): string {
  for (;;) {
    const n = counters.get(prefix) ?? 0;
    counters.set(prefix, n + 1);
    const name = n === 0 ? prefix : `${prefix}_${n}`;
    if (!taken.has(name)) return name;
  }
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/**
 * A model's training settings, every default filled in, whether or not its spec has a training
 * section: the one place where a missing section becomes the defaults. (ir.training itself
 * stays absent then, since some checks apply only to specs that ask for training.)
 */
export function trainingSettings(ir: Pick<ModelIR, 'training'>): TrainingConfig {
  return ir.training ?? lowerTraining(undefined);
}

/** The training section with every default filled in (the schema documents the same defaults). */
export function lowerTraining(raw: Doc | undefined): TrainingConfig {
  const t = raw ?? {};
  const seed = num(t.seed, 42);
  return {
    dataset: lowerDataset(t.dataset, { seed }),
    optimizer: lowerOptimizer((t.optimizer as Doc | undefined) ?? { name: 'adam' }),
    loss: (t.loss as TrainingConfig['loss'] | undefined) ?? 'sparse_categorical_crossentropy',
    metrics: (t.metrics as string[] | undefined) ?? ['accuracy'],
    batchSize: num(t.batch_size, 64),
    epochs: num(t.epochs, 5),
    validationSplit: num(t.validation_split, 0.1),
    seed,
    ...lowerTrainingControls(t),
  };
}

function lowerOptimizer(o: Doc): OptimizerConfig {
  const learningRate = num(o.learning_rate, 0.001);
  switch (o.name) {
    case 'sgd':
      return { name: 'sgd', learningRate, momentum: num(o.momentum, 0), nesterov: o.nesterov === true };
    case 'rmsprop':
      return { name: 'rmsprop', learningRate, rho: num(o.rho, 0.9), momentum: num(o.momentum, 0), epsilon: num(o.epsilon, 1e-7) };
    default:
      return { name: 'adam', learningRate, beta1: num(o.beta1, 0.9), beta2: num(o.beta2, 0.999), epsilon: num(o.epsilon, 1e-7) };
  }
}
