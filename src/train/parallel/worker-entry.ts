// One data-parallel worker: its own tfjs backend (single-threaded wasm by default) and its own
// copy of the model. Each step it takes the main thread's current weights and a shard of the
// batch, and sends back the gradients of the shard's mean loss; it never updates weights itself,
// so there is no optimizer state here to drift from the main thread's.

import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { selectBackend } from '../../backend/select.js';
import { accuracy, lossFunction } from '../losses.js';
import { flatten, unflatten } from './flat.js';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('worker-entry.ts must run inside a worker thread');
const port = parentPort;

interface State {
  model: tf.LayersModel;
  variables: tf.Variable[];
  weightShapes: number[][];
  computeLoss: ReturnType<typeof lossFunction>;
  inputShape: number[];
}

let state: State | undefined;

const send = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

async function init(msg: InitMessage): Promise<void> {
  const backend = await selectBackend('wasm', { threads: msg.threads });
  const model = await tf.models.modelFromJSON(msg.topology as tf.io.ModelJSON['modelTopology'] as never);
  state = {
    model,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    weightShapes: model.getWeights().map((w) => [...w.shape]),
    computeLoss: lossFunction(msg.loss),
    inputShape: (model.inputs[0]!.shape.slice(1) as number[]),
  };
  send({ type: 'ready', backend: backend.name, reason: backend.reason });
}

function step(msg: StepMessage): void {
  if (!state) throw new Error('step before init');
  const t0 = performance.now();
  const { model, variables, weightShapes, computeLoss, inputShape } = state;
  const n = msg.y.length;
  const weights = unflatten(msg.weights, weightShapes);
  model.setWeights(weights);
  tf.dispose(weights);
  let flat: Float32Array = new Float32Array(0);
  let loss = NaN;
  // The gradient buffer leaves tidy() through a closure variable, not its return value: tidy
  // walks whatever it returns looking for tensors, and on a 100k-element typed array that
  // walk alone cost ~20 ms a step.
  const acc = tf.tidy(() => {
    const x = tf.tensor(msg.x, [n, ...inputShape], 'float32');
    const y = tf.tensor1d(msg.y, 'int32');
    let batchAccuracy: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const probs = model.apply(x, { training: true }) as tf.Tensor2D;
      batchAccuracy = tf.keep(accuracy(y, probs));
      return computeLoss(y, probs);
    }, variables);
    // Same order as the main thread's trainableWeights: the pool maps them back by position.
    flat = flatten(variables.map((v) => grads[v.name]!));
    loss = value.dataSync()[0]!;
    return batchAccuracy!;
  });
  const accValue = acc.dataSync()[0]!;
  acc.dispose();
  send({ type: 'grads', id: msg.id, grads: flat, loss, accuracy: accValue, computeMs: performance.now() - t0 }, [flat.buffer as ArrayBuffer]);
}

port.on('message', (msg: ToWorker) => {
  const run = async (): Promise<void> => {
    if (msg.type === 'init') await init(msg);
    else if (msg.type === 'step') step(msg);
    else port.close();
  };
  run().catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
