// One data-parallel replica: its own tfjs backend (single-threaded wasm by default), its own
// copy of the model and its own optimizer. Each step it computes the gradient of its shard's
// mean loss, exchanges gradients with the other replicas through shared memory
// (allreduce.ts), and applies the summed gradient with its optimizer. All replicas start from
// the same weights and optimizer state (`load`) and apply bit-identical updates, so they stay
// identical; the pool reads one of them back when the main thread needs the weights.

import * as tf from '@tensorflow/tfjs';
// Registers the layer classes netspec adds to tfjs, so saved models holding them load.
import '../../emit/custom-layers.js';
import { parentPort } from 'node:worker_threads';
import { selectBackend } from '../../backend/select.js';
import { accuracy, trainingLoss } from '../losses.js';
import { createOptimizer, learningRateOf, setLearningRate } from '../optimizers.js';
import { GradientExchange } from './allreduce.js';
import { seedReplicaRandom } from './randomness.js';
import { flatten, flattenScaled, heapTensors, packNamed, unflatten, unpackNamed } from './flat.js';
import type { FromWorker, InitMessage, LoadMessage, StepMessage, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('worker-entry.ts must run inside a worker thread');
const port = parentPort;

interface Replica {
  model: tf.LayersModel;
  variables: tf.Variable[];
  gradShapes: number[][];
  weightShapes: number[][];
  computeLoss: ReturnType<typeof trainingLoss>;
  inputShape: number[];
  exchange: GradientExchange;
  optimizer?: tf.Optimizer;
}

let replica: Replica | undefined;

const send = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

function current(): Replica {
  if (!replica) throw new Error('message before init');
  return replica;
}

async function init(msg: InitMessage): Promise<void> {
  seedReplicaRandom(msg.seed, msg.index);
  const backend = await selectBackend('wasm', { threads: msg.threads });
  const model = await tf.models.modelFromJSON(msg.topology as tf.io.ModelJSON['modelTopology'] as never);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const parties = msg.gradients.byteLength / Float32Array.BYTES_PER_ELEMENT / variables.reduce((s, v) => s + v.size, 0);
  replica = {
    model,
    variables,
    gradShapes: variables.map((v) => [...v.shape]),
    weightShapes: model.getWeights().map((w) => [...w.shape]),
    computeLoss: trainingLoss(msg.loss, msg.classWeights),
    inputShape: model.inputs[0]!.shape.slice(1) as number[],
    exchange: new GradientExchange(msg.gradients, msg.barrier, parties, msg.index),
  };
  send({ type: 'ready', backend: backend.name, reason: backend.reason });
}

async function load(msg: LoadMessage): Promise<void> {
  const r = current();
  const weights = unflatten(msg.weights, r.weightShapes);
  r.model.setWeights(weights);
  tf.dispose(weights);
  r.optimizer?.dispose();
  r.optimizer = createOptimizer(msg.optimizer);
  if (msg.optimizerState) {
    const named = unpackNamed(msg.optimizerState);
    await r.optimizer.setWeights(named);
    tf.dispose(named.map((w) => w.tensor));
  }
  send({ type: 'loaded' });
}

function step(msg: StepMessage): void {
  const r = current();
  if (!r.optimizer) throw new Error('step before load');
  if (learningRateOf(r.optimizer) !== msg.learningRate) setLearningRate(r.optimizer, msg.learningRate);
  const t0 = performance.now();
  const n = msg.y.length;
  let loss = NaN;
  let batchAccuracy = NaN;
  const own = r.exchange.own;
  if (n === 0) {
    own.fill(0); // a short last batch left this replica no samples; it still applies the update
  } else {
    tf.tidy(() => {
      const x = tf.tensor(msg.x, [n, ...r.inputShape], 'float32');
      const y = tf.tensor1d(msg.y, 'int32');
      let acc: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const probs = r.model.apply(x, { training: true }) as tf.Tensor2D;
        acc = tf.keep(accuracy(y, probs)); // variableGrads disposes everything else f creates
        return r.computeLoss(y, probs);
      }, r.variables);
      // trainableWeights order, as every replica lays out its slot; each gradient of the
      // shard's mean loss weighted by its share of the batch, so that the slots sum to the
      // gradient of the whole batch's mean loss.
      flattenScaled(
        r.variables.map((v) => grads[v.name]!),
        own,
        n / msg.batch,
      );
      loss = value.dataSync()[0]!;
      batchAccuracy = acc!.dataSync()[0]!;
      acc!.dispose();
    });
  }
  const t1 = performance.now();
  // The sum goes straight into the gradient tensors' memory where the backend allows it.
  const inPlace = heapTensors(r.gradShapes);
  if (inPlace) r.exchange.reduceInto(inPlace.views);
  const sum = inPlace ? null : r.exchange.reduce();
  const t2 = performance.now();
  const grads = inPlace?.tensors ?? unflatten(sum!, r.gradShapes);
  // By name, in trainableWeights order, as minimize() would pass them.
  r.optimizer.applyGradients(Object.fromEntries(r.variables.map((v, i) => [v.name, grads[i]!])));
  tf.dispose(grads);
  send({ type: 'stepped', loss, accuracy: batchAccuracy, computeMs: t1 - t0, exchangeMs: t2 - t1, updateMs: performance.now() - t2 });
}

async function read(): Promise<void> {
  const r = current();
  if (!r.optimizer) throw new Error('read before load');
  const weights = flatten(r.model.getWeights());
  const named = await r.optimizer.getWeights();
  const optimizerState = packNamed(named);
  // getWeights() hands out the optimizer's own variables plus a fresh iteration scalar.
  named[0]?.tensor.dispose();
  send({ type: 'state', weights, optimizerState }, [weights.buffer as ArrayBuffer, optimizerState.data.buffer as ArrayBuffer]);
}

port.on('message', (msg: ToWorker) => {
  const run = async (): Promise<void> => {
    if (msg.type === 'init') await init(msg);
    else if (msg.type === 'load') await load(msg);
    else if (msg.type === 'step') step(msg);
    else if (msg.type === 'read') await read();
    else port.close();
  };
  run().catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
