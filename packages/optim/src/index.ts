/**
 * @dl/optim — optimizers and learning-rate schedulers, as `torch.optim`.
 *
 * @packageDocumentation
 *
 * @example
 * import { SGD, lrScheduler } from '@dl/optim';
 * const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new lrScheduler.StepLR(opt, { stepSize: 10, gamma: 0.1 });
 * loss.backward(); opt.step(); opt.zeroGrad(); sched.step();
 */
export { Optimizer, type ParamGroup, type ParamState, type Params, type OptimizerStateDict } from './optimizer.js';
export {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
  type SGDOptions,
  type AdamOptions,
  type RMSpropOptions,
  type AdagradOptions,
} from './optimizers.js';
export * as lrScheduler from './lr-scheduler.js';
