// Saving and loading a LayersModel as model.json + weights file(s) in a folder, through our own
// tf.io.IOHandler. tfjs' built-in file:// handler only exists with tfjs-node; this one works
// on every backend (cpu, wasm, node).
//
// Crash safety: model.json and its weights are two files, and renaming two files is not one
// atomic step. So weight files are content-addressed (weights-<sha256 prefix>.bin): a save
// writes the new weights under a new name first, then model.json (atomically) naming them,
// and only then deletes files no model.json names. A kill at any moment leaves model.json
// naming a complete weights file that matches it: the previous save's or the new one's.
// Loading checks the hash in the name, so torn or foreign bytes are refused, not used.

import * as tf from '@tensorflow/tfjs';
// Registers the layer classes netspec adds to tfjs, so saved models holding them load.
import '../emit/custom-layers.js';
import { createHash } from 'node:crypto';
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { pausePoint } from '../lib/pause-point.js';
import { FileReadError, formatBytes, readRegularFile } from '../lib/safe-read.js';

export const MODEL_JSON = 'model.json';
/** The weights file name of folders saved before weights were content-addressed; still loadable. */
export const WEIGHTS_BIN = 'weights.bin';
const HASHED_FILE = /^(weights|optimizer|best)-([0-9a-f]{16})\.bin$/;
/**
 * model.json holds the topology and the training position (its history grows by one entry per
 * epoch), a few MiB at most; a larger one is not ours.
 */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** What one weights file may hold: Node's largest buffer. Larger models are refused at compile time anyway. */
export const MAX_WEIGHTS_BYTES = 2 ** 32 - 1;

/** A problem with a saved model folder; the message names the file and what is wrong. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/** An extra binary file saved with the model and referenced from model.json (e.g. optimizer state). */
export interface CompanionFile {
  /** 'optimizer' -> optimizer-<hash>.bin */
  prefix: 'optimizer';
  data: Uint8Array;
}

export interface SaveExtras {
  /** JSON stored in model.json under userDefinedMetadata, committed by the same rename as the weights. */
  metadata?: Record<string, unknown>;
  companion?: CompanionFile;
  /** Content-addressed files written before the save that model.json's metadata names: kept by the cleanup after the commit. */
  keep?: readonly string[];
}

/** Key under userDefinedMetadata that names the companion file, so cleanup keeps it. */
export const COMPANION_KEY = 'netspec_companion_file';

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * A fingerprint of a model's architecture: the sha256 of its topology as tfjs serialises it
 * (`model.toJSON(null, false)`, which is what model.json stores). Recorded when a run starts,
 * so a resume or re-evaluation can tell whether model.json still describes the same model.
 */
export function topologySha256(topology: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(topology) ?? '')
    .digest('hex');
}

export function hashedName(prefix: string, data: Uint8Array): string {
  return `${prefix}-${createHash('sha256').update(data).digest('hex').slice(0, 16)}.bin`;
}

/** Writes a content-addressed file (atomically; rewriting identical bytes is harmless) and returns its name. */
export async function writeHashed(dir: string, prefix: 'weights' | 'optimizer' | 'best', data: Uint8Array): Promise<string> {
  const name = hashedName(prefix, data);
  await writeFileAtomic(path.join(dir, name), data);
  return name;
}

/**
 * Removes weight/optimizer files that `keep` does not name, and temp files left by writers
 * that were killed. Runs only after model.json is committed, so nothing it names goes away.
 */
async function removeStaleFiles(dir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(dir)) {
    const stale = (HASHED_FILE.test(name) || name === WEIGHTS_BIN) && !keep.has(name);
    const deadTemp = /^\.(model\.json|weights-|optimizer-|best-|weights\.bin).*\.tmp$/.test(name) && !name.includes(`.${process.pid}.`);
    if (stale || deadTemp) await unlink(path.join(dir, name)).catch(() => undefined);
  }
}

/** An IOHandler whose save() writes the model into `dir` (which must exist). */
export function dirSaveHandler(dir: string, extras: SaveExtras = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelFileError('saving a graph model (binary topology) is not supported; expected a LayersModel');
      }
      const weightsName = await writeHashed(dir, 'weights', joinWeightData(artifacts.weightData));
      const companionName = extras.companion ? await writeHashed(dir, extras.companion.prefix, extras.companion.data) : undefined;
      await pausePoint('save:written');
      const metadata = {
        ...(artifacts.userDefinedMetadata ?? {}),
        ...(extras.metadata ?? {}),
        ...(companionName ? { [COMPANION_KEY]: companionName } : {}),
      };

      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(Object.keys(metadata).length ? { userDefinedMetadata: metadata } : {}),
      };
      // The commit point: before this rename the folder holds the previous model, after it the new one.
      await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      await pausePoint('save:committed');
      await removeStaleFiles(dir, new Set([weightsName, ...(companionName ? [companionName] : []), ...(extras.keep ?? [])]));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Bytes a weight of this spec occupies in the weights file; NaN for a spec that is not one (an edited file). */
export function weightByteLength(spec: tf.io.WeightsManifestEntry): number {
  const shape: unknown = spec?.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return NaN;
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const bytesPerElement = spec.quantization ? (spec.quantization.dtype === 'uint8' ? 1 : 2) : spec.dtype === 'bool' ? 1 : 4; // float32, int32; strings are not used by layers models
  return elements * bytesPerElement;
}

/**
 * Reads a file that model.json names, inside `dir` only (a manifest must not point elsewhere),
 * and checks a content-addressed name against the bytes. `expectedBytes` is what the manifest
 * declares: a file that is not a regular file, or larger than that, is refused unread.
 */
export async function readNamedFile(dir: string, file: string, expectedBytes: number = MAX_WEIGHTS_BYTES): Promise<Uint8Array> {
  const name = path.basename(file);
  const full = path.join(dir, name);
  if (expectedBytes > MAX_WEIGHTS_BYTES) {
    throw new ModelFileError(
      `${path.join(dir, MODEL_JSON)}: declares ${formatBytes(expectedBytes)} of weights, more than can be loaded (${formatBytes(MAX_WEIGHTS_BYTES)})`,
    );
  }
  const bytes = await readRegularFile(full, expectedBytes).catch((error: unknown) => {
    if (!(error instanceof FileReadError)) throw error;
    if (error.problem === 'missing') throw new ModelFileError(`${full}: file listed in ${MODEL_JSON} is missing`);
    if (error.problem === 'too-large') {
      throw new ModelFileError(`${full}: holds more than the ${formatBytes(expectedBytes)} ${MODEL_JSON} describes; the files are from different saves`);
    }
    throw new ModelFileError(error.message);
  });
  const hashed = HASHED_FILE.exec(name);
  if (hashed && hashedName(hashed[1]!, bytes) !== name) {
    throw new ModelFileError(`${full}: its contents do not match the checksum in its name; the file is corrupt or was replaced`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** model.json of a folder, parsed, with a message naming the file when it is missing or broken. */
export async function readModelJson(dir: string): Promise<tf.io.ModelJSON> {
  const jsonPath = path.join(dir, MODEL_JSON);
  let modelJson: tf.io.ModelJSON;
  let text: string;
  try {
    text = (await readRegularFile(jsonPath, MAX_MODEL_JSON_BYTES)).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ModelFileError(err.problem === 'missing' ? `${jsonPath}: file not found (was the model saved?)` : err.message);
  }
  try {
    modelJson = JSON.parse(text) as tf.io.ModelJSON;
  } catch (err) {
    throw new ModelFileError(`${jsonPath}: cannot be read as JSON (${(err as Error).message})`);
  }
  if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelFileError(`${jsonPath}: expected a tfjs layers model with modelTopology and weightsManifest`);
  }
  return modelJson;
}

/** An IOHandler whose load() reads model.json and the weight files it lists from `dir`. */
export function dirLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = await readModelJson(dir);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = manifest.flatMap((group) => group.weights);
        const buffers: ArrayBuffer[] = [];
        const names: string[] = [];
        // What the manifest declares caps what is read: no file is read past it.
        const declared = specs.reduce((sum, s) => sum + weightByteLength(s), 0);
        if (!Number.isSafeInteger(declared) || declared < 0) {
          throw new ModelFileError(`${path.join(dir, MODEL_JSON)}: its weights manifest declares shapes that are not lists of sizes; the file was edited`);
        }
        for (const group of manifest) {
          for (const file of group.paths) {
            const read = buffers.reduce((sum, b) => sum + b.byteLength, 0);
            const bytes = await readNamedFile(dir, file, Math.max(0, declared - read));
            names.push(path.basename(file));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        const expected = declared;
        const actual = buffers.reduce((sum, b) => sum + b.byteLength, 0);
        if (expected !== actual) {
          throw new ModelFileError(
            `${path.join(dir, names.join(', '))}: holds ${actual} bytes but ${MODEL_JSON} describes ${expected} bytes of weights; ` +
              'the files are from different saves or truncated',
          );
        }
        return [specs, buffers.length === 1 ? buffers[0]! : buffers];
      });
    },
  };
}

/** Saves `model` into `dir` as model.json + a content-addressed weights file (plus any extras). */
export async function saveModelToDir(model: tf.LayersModel, dir: string, extras: SaveExtras = {}): Promise<void> {
  await model.save(dirSaveHandler(dir, extras));
}

/**
 * Loads a model saved by saveModelToDir (or any tfjs layers model folder). Whatever tfjs
 * cannot build from the files (an edited topology, weights of other shapes) is a
 * ModelFileError naming model.json.
 */
export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(dirLoadHandler(dir));
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
    throw new ModelFileError(
      `${path.join(dir, MODEL_JSON)}: tfjs cannot load the model it describes (${reason}); the folder was edited, or was not saved by netspec`,
    );
  }
}
