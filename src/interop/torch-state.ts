// Weights between a live tfjs model and a PyTorch state_dict, by the plan of the generated module
// (src/emit/pytorch-plan.ts): every tensor's key, shape and layout come from its layer kind. The
// tensors travel to and from Python as plain float32 bytes (tensors.json + tensors.bin, the
// format of torch_io.py), so netspec itself never parses a pickle.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { StateTensor, TorchPlan } from '../emit/pytorch-plan.js';

/** One tensor as plain data, in torch's layout. */
export interface PlainTensor {
  key: string;
  shape: number[];
  /** torch's dtype name, e.g. 'float32', 'int64'. */
  dtype: string;
  data: Float32Array;
}

/** A problem with the tensors of a file: names the first tensor that does not fit. */
export class StateMismatch extends Error {
  override name = 'StateMismatch';
}

const shapeText = (shape: readonly number[]): string => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The short name of a tfjs weight: 'conv2d/kernel' -> 'kernel'. */
const weightName = (variable: tf.LayerVariable): string => variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);

function inverse(permutation: readonly number[]): number[] {
  const result: number[] = [];
  permutation.forEach((axis, i) => (result[axis] = i));
  return result;
}

/** A tfjs weight in torch's layout. */
function toTorch(w: StateTensor, value: tf.Tensor): tf.Tensor {
  return tf.tidy(() => (w.permute ? tf.transpose(value, [...w.permute]) : value).reshape([...w.torchShape]));
}

/** A torch tensor back in tfjs's layout. */
function toTfjs(w: StateTensor, data: Float32Array): tf.Tensor {
  return tf.tidy(() => {
    if (!w.permute) return tf.tensor(data, [...w.shape]);
    const permuted = w.permute.map((axis) => w.shape[axis]!);
    return tf.transpose(tf.tensor(data, permuted), inverse(w.permute));
  });
}

/** The live model's layers by name; the plan's layers carry the same names. */
function layersByName(live: tf.LayersModel): Map<string, tf.layers.Layer> {
  return new Map(live.layers.map((l) => [l.name, l]));
}

/** The state_dict tensors of a live tfjs model, in torch's layout and the module's order. */
export async function torchStateOf(plan: TorchPlan, live: tf.LayersModel): Promise<PlainTensor[]> {
  const layers = layersByName(live);
  const out: PlainTensor[] = [];
  for (const l of plan.layers) {
    const layer = layers.get(l.layer.node.name);
    if (!layer) throw new StateMismatch(`the model has no layer '${l.layer.node.name}'`);
    const current = layer.getWeights();
    const values = new Map(layer.weights.map((v, i) => [weightName(v), current[i]!]));
    for (const w of l.weights) {
      const value = values.get(w.tfjs);
      if (!value) throw new StateMismatch(`layer '${l.layer.node.name}' has no weight '${w.tfjs}'`);
      if (!sameShape(value.shape, w.shape)) {
        throw new StateMismatch(
          `weight '${l.layer.node.name}/${w.tfjs}' should have shape ${shapeText(w.shape)} but the model holds ${shapeText(value.shape)}`,
        );
      }
      const converted = toTorch(w, value);
      out.push({ key: w.key, shape: [...w.torchShape], dtype: 'float32', data: (await converted.data()) as Float32Array });
      converted.dispose();
    }
  }
  return out;
}

/**
 * Checks the tensors of `file` against the plan of the module of `spec`: every tensor the module
 * has, of its shape, and nothing else (besides state such as batch norm's counter, which carries
 * no weight). Throws StateMismatch naming the first tensor that does not fit, in the module's order.
 */
export function checkState(plan: TorchPlan, tensors: readonly PlainTensor[], file: string, spec: string): Map<string, PlainTensor> {
  const byKey = new Map(tensors.map((t) => [t.key, t]));
  const advice = `; ${file} is not a checkpoint of ${spec}`;
  for (const w of plan.state) {
    const found = byKey.get(w.key);
    if (!found) {
      throw new StateMismatch(`${file} has no tensor '${w.key}', which ${spec} needs with shape ${shapeText(w.torchShape)}${advice}`);
    }
    if (!sameShape(found.shape, w.torchShape)) {
      throw new StateMismatch(`tensor '${w.key}' of ${file} has shape ${shapeText(found.shape)}, but ${spec} needs ${shapeText(w.torchShape)}${advice}`);
    }
    if (!/^(float|bfloat|half|double)/.test(found.dtype)) {
      throw new StateMismatch(`tensor '${w.key}' of ${file} holds ${found.dtype} values; ${spec} needs floating-point weights there`);
    }
  }
  const known = new Set([...plan.state.map((w) => w.key), ...plan.layers.flatMap((l) => l.extraState)]);
  const stray = tensors.find((t) => !known.has(t.key));
  if (stray) throw new StateMismatch(`${file} holds tensor '${stray.key}' of shape ${shapeText(stray.shape)}, which ${spec} has no place for${advice}`);
  return byKey;
}

/** Sets the live model's weights from checked torch tensors. */
export function setTorchState(plan: TorchPlan, live: tf.LayersModel, tensors: ReadonlyMap<string, PlainTensor>): void {
  const layers = layersByName(live);
  for (const l of plan.layers) {
    if (!l.weights.length) continue;
    const layer = layers.get(l.layer.node.name)!;
    const byName = new Map(l.weights.map((w) => [w.tfjs, w]));
    const values = layer.weights.map((v) => toTfjs(byName.get(weightName(v))!, tensors.get(byName.get(weightName(v))!.key)!.data));
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Writes tensors in torch_io.py's format into `folder`. */
export async function writePlainTensors(folder: string, tensors: readonly PlainTensor[]): Promise<void> {
  await mkdir(folder, { recursive: true });
  let offset = 0;
  const entries = tensors.map((t) => {
    const entry = { key: t.key, shape: t.shape, dtype: t.dtype, offset, length: t.data.byteLength };
    offset += t.data.byteLength;
    return entry;
  });
  const bytes = Buffer.alloc(offset);
  tensors.forEach((t, i) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(bytes, entries[i]!.offset));
  await writeFile(path.join(folder, 'tensors.bin'), bytes);
  await writeFile(path.join(folder, 'tensors.json'), JSON.stringify({ tensors: entries, meta: null }));
}

/** Reads what torch_io.py read wrote: the tensors, and the checkpoint's record when it has one. */
export async function readPlainTensors(folder: string): Promise<{ tensors: PlainTensor[]; meta: Record<string, unknown> | null }> {
  const manifest = JSON.parse(await readFile(path.join(folder, 'tensors.json'), 'utf8')) as {
    tensors: Array<Omit<PlainTensor, 'data'> & { offset: number; length: number }>;
    meta: Record<string, unknown> | null;
  };
  const bytes = await readFile(path.join(folder, 'tensors.bin'));
  const tensors = manifest.tensors.map((e) => {
    // A copy: a Float32Array needs 4-byte alignment, which a slice of a Buffer may not have.
    const data = new Float32Array(e.length / 4);
    new Uint8Array(data.buffer).set(bytes.subarray(e.offset, e.offset + e.length));
    return { key: e.key, shape: e.shape, dtype: e.dtype, data };
  });
  return { tensors, meta: manifest.meta };
}
