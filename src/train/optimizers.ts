// Builds the tfjs optimizer a spec names, with every hyperparameter passed explicitly so that
// the values in the spec (already defaulted by the compiler) are the ones that take effect.

import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../types.js';
import { FusedAdamOptimizer } from './fused-adam.js';

/**
 * Sets the rate the optimizer's next updates use (a schedule's rate for the epoch). SGD and
 * momentum keep it as a tensor that setLearningRate rebuilds; Adam and RMSprop read the field.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // Duck-typed: tfjs's optimizer classes answer instanceof for each other.
  const sgd = optimizer as unknown as { setLearningRate?: (rate: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(learningRate);
  else sgd.learningRate = learningRate;
}

/** The rate the optimizer's next update uses. */
export function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

export function createOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  switch (cfg.name) {
    case 'adam':
      // tf.train.adam's optimizer, with a fused update on wasm (fused-adam.ts).
      return new FusedAdamOptimizer(cfg.learningRate, cfg.beta1, cfg.beta2, cfg.epsilon);
    case 'sgd':
      // Plain SGD is momentum 0; tfjs has a separate class for it, which is also cheaper.
      return cfg.momentum > 0 || cfg.nesterov ? tf.train.momentum(cfg.learningRate, cfg.momentum, cfg.nesterov) : tf.train.sgd(cfg.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.learningRate, cfg.rho, cfg.momentum, cfg.epsilon);
    default: {
      const unknown: never = cfg;
      throw new Error(`unknown optimizer '${(unknown as { name: string }).name}'; expected adam, sgd or rmsprop`);
    }
  }
}
