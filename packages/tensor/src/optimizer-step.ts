/**
 * The hyper-parameters of a multi-tensor optimizer step (`FusedKernels.optimizerStep`, called
 * through `fusedOptimizerStep` of ops/foreach.ts). Each kind names PyTorch 1.13's update rule
 * (`_single_tensor_sgd`, `_adam`, `_adamw`, `_rmsprop`, `_adagrad`) and the per-parameter
 * state tensors the kernel reads and writes, in order:
 *  - `sgd`: `[momentumBuffer]` when `momentum !== 0`, else none;
 *  - `adam`: `[expAvg, expAvgSq]`, plus `maxExpAvgSq` when `amsgrad`;
 *  - `rmsprop`: `[squareAvg]`, then `momentumBuffer` when `momentum > 0`, then `gradAvg` when `centered`;
 *  - `adagrad`: `[sum]`.
 *
 * @example
 * const step: OptimizerStep = { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
 */
export type OptimizerStep =
  | {
      readonly kind: 'sgd';
      readonly lr: number;
      readonly momentum: number;
      readonly dampening: number;
      readonly weightDecay: number;
      readonly nesterov: boolean;
      readonly maximize: boolean;
    }
  | {
      readonly kind: 'adam';
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly amsgrad: boolean;
      readonly maximize: boolean;
      /** AdamW: `param *= 1 - lr * weightDecay` first, instead of adding `weightDecay * param` to the gradient. */
      readonly decoupled: boolean;
    }
  | {
      readonly kind: 'rmsprop';
      readonly lr: number;
      readonly alpha: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly momentum: number;
      readonly centered: boolean;
      readonly maximize: boolean;
    }
  | {
      readonly kind: 'adagrad';
      readonly lr: number;
      readonly lrDecay: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly maximize: boolean;
    };

/**
 * Per-parameter step counts of one call: for `adam` the step after this update (1 on the first),
 * giving the bias corrections, for `adagrad` too (its learning-rate decay); `rmsprop` ignores them; for `sgd` 1 when the momentum buffer is new (it is set to the
 * gradient, as torch's `clone(d_p)`) and anything larger afterwards.
 */
export type OptimizerSteps = readonly number[];
