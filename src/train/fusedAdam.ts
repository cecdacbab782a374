/**
 * Adam with one fused update kernel per variable where the backend has one (`AwmtlAdamUpdate`,
 * src/backend/wasm/kernels/adamUpdate.ts), instead of tfjs's chain of about twelve element-wise
 * ops per variable (each a pass over all parameters: on ResNet-18, ~700 Multiply/Add/RealDiv/...
 * calls and about a fifth of a wasm training step). The maths, the slot variables (`<name>/m`, `<name>/v`),
 * the iteration count, `getWeights`/`setWeights` and the class name ('Adam') are tfjs's
 * AdamOptimizer's, so saved trainer states stay interchangeable; on a backend without the kernel
 * (cpu, tensorflow) it is AdamOptimizer.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE } from '../backend/wasm/kernels/adamUpdate.js';

type Slot = { originalName: string; variable: tf.Variable };

interface AdamInternals {
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Whether the current backend has the fused update kernel. */
  static available(): boolean {
    return tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!FusedAdamOptimizer.available()) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const step = this.iterations + 1;
    const attrs = { beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, learningRate: self.learningRate, step };
    tf.tidy(() => {
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        const slot = (): tf.Variable => tf.tidy(() => tf.zerosLike(value).variable(false));
        if (self.accumulatedFirstMoment[i] == null) self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: slot() };
        if (self.accumulatedSecondMoment[i] == null) self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: slot() };
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [x1, m1, v1] = tf.engine().runKernel(
          ADAM_UPDATE,
          { x: value, g: gradient, m, v },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        m.assign(m1);
        v.assign(v1);
        value.assign(x1);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}
