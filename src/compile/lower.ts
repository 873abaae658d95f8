// Stage 3: a schema-valid document -> the typed model IR. Fills in defaults, gives every layer
// a unique name (Keras's automatic names when the spec gives none) and records where each layer
// was written, so later stages can point at it.
import { layerDef } from '../layers/registry.js';
import type { PositionIndex } from './load.js';
import type { DatasetRef, IRNode, ModelIR, OptimizerConfig, SpecDiagnostic, TrainingConfig } from '../types.js';

type Doc = Record<string, unknown>;

export interface LowerResult {
  ir?: ModelIR;
  diagnostics: SpecDiagnostic[];
}

export function lowerSpec(doc: Doc, positions: PositionIndex, file: string, sha256: string): LowerResult {
  const diagnostics: SpecDiagnostic[] = [];
  const rawLayers = doc.layers as Doc[];
  const explicitNames = new Set(rawLayers.map((l) => l.name).filter((n): n is string => typeof n === 'string'));
  const seenNames = new Map<string, number>();
  const autoCounters = new Map<string, number>();
  const nodes: IRNode[] = [];

  rawLayers.forEach((raw, index) => {
    const path = `/layers/${index}`;
    const def = layerDef(raw.kind as string);
    const name = typeof raw.name === 'string' ? raw.name : autoName(def.autoName, autoCounters, explicitNames);
    const firstIndex = seenNames.get(name);
    if (firstIndex !== undefined) {
      const at = positions.locate(`${path}/name`);
      diagnostics.push({
        file,
        ...at,
        path: `${path}/name`,
        stage: 'semantic',
        message: `layer name '${name}' is already used by layer ${firstIndex + 1}; layer names must be unique`,
      });
    }
    seenNames.set(name, index);
    const node: IRNode = {
      id: `n${index}`,
      name,
      kind: def.kind,
      params: def.normalize(raw),
      inputs: [index === 0 ? 'input' : `n${index - 1}`],
      loc: { file, ...positions.locate(path) },
      path,
    };
    if (typeof raw.description === 'string') node.description = raw.description;
    if (raw.expect) node.expect = raw.expect as IRNode['expect'];
    nodes.push(node);
  });

  const ir: ModelIR = {
    name: doc.name as string,
    inputShape: doc.input as number[],
    nodes,
    output: nodes[nodes.length - 1]?.id ?? 'input',
    source: { file, sha256 },
  };
  if (typeof doc.description === 'string') ir.description = doc.description;
  if (doc.expect) ir.expect = doc.expect as ModelIR['expect'];
  if (doc.training) ir.training = lowerTraining(doc.training as Doc);
  return diagnostics.length ? { diagnostics } : { ir, diagnostics };
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

/** The training section with every default filled in (the schema documents the same defaults). */
export function lowerTraining(raw: Doc | undefined): TrainingConfig {
  const t = raw ?? {};
  return {
    dataset: lowerDataset(t.dataset),
    optimizer: lowerOptimizer((t.optimizer as Doc | undefined) ?? { name: 'adam' }),
    loss: (t.loss as TrainingConfig['loss'] | undefined) ?? 'sparse_categorical_crossentropy',
    metrics: (t.metrics as string[] | undefined) ?? ['accuracy'],
    batchSize: num(t.batch_size, 64),
    epochs: num(t.epochs, 5),
    validationSplit: num(t.validation_split, 0.1),
    seed: num(t.seed, 42),
  };
}

function lowerDataset(raw: unknown): DatasetRef {
  if (raw === undefined || raw === 'mnist') return { kind: 'mnist' };
  const d = raw as Doc;
  const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
  return {
    kind: 'idx',
    dir: d.idx_dir as string,
    train: { images: str(d.train_images, 'train-images-idx3-ubyte'), labels: str(d.train_labels, 'train-labels-idx1-ubyte') },
    test: { images: str(d.test_images, 't10k-images-idx3-ubyte'), labels: str(d.test_labels, 't10k-labels-idx1-ubyte') },
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
