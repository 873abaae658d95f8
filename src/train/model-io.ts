// Saving and loading a LayersModel as model.json + weights.bin in a folder, through our own
// tf.io.IOHandler. tfjs' built-in file:// handler only exists with tfjs-node; this one works
// on every backend (cpu, wasm, node) and writes atomically: weights.bin first, model.json
// last, so a crash mid-save leaves either the previous complete model or no model.json.

import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** A problem with a saved model folder; the message names the file and what is wrong. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** An IOHandler whose save() writes the model into `dir` (which must exist). */
export function dirSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelFileError('saving a graph model (binary topology) is not supported; expected a LayersModel');
      }
      const weights = joinWeightData(artifacts.weightData);
      await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);

      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Bytes a weight of this spec occupies in weights.bin. */
function weightByteLength(spec: tf.io.WeightsManifestEntry): number {
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  const bytesPerElement = spec.quantization
    ? spec.quantization.dtype === 'uint8' ? 1 : 2
    : spec.dtype === 'bool' ? 1 : 4; // float32, int32; strings are not used by layers models
  return elements * bytesPerElement;
}

/** An IOHandler whose load() reads model.json and the weight files it lists from `dir`. */
export function dirLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason = code === 'ENOENT' ? 'file not found (was the model saved?)' : `cannot be read as JSON (${(err as Error).message})`;
        throw new ModelFileError(`${jsonPath}: ${reason}`);
      }
      if (modelJson.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
        throw new ModelFileError(`${jsonPath}: expected a tfjs layers model with modelTopology and weightsManifest`);
      }

      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) {
            // Only plain file names inside the folder: a manifest must not point elsewhere.
            const name = path.basename(file);
            const bytes = await readFile(path.join(dir, name)).catch(() => {
              throw new ModelFileError(`${path.join(dir, name)}: weights file listed in ${MODEL_JSON} is missing`);
            });
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        const expected = specs.reduce((sum, s) => sum + weightByteLength(s), 0);
        const actual = buffers.reduce((sum, b) => sum + b.byteLength, 0);
        if (expected !== actual) {
          throw new ModelFileError(
            `${path.join(dir, WEIGHTS_BIN)}: holds ${actual} bytes but ${MODEL_JSON} describes ${expected} bytes of weights; ` +
              'the files are from different saves or truncated',
          );
        }
        return [specs, buffers.length === 1 ? buffers[0]! : buffers];
      });
    },
  };
}

/** Saves `model` into `dir` as model.json + weights.bin. */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(dirSaveHandler(dir));
}

/** Loads a model saved by saveModelToDir (or any tfjs layers model folder). */
export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(dirLoadHandler(dir));
}
