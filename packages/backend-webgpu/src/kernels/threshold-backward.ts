import type { TensorView } from '@dl/tensor/backend';
import { f32bits, type Runtime } from '../runtime.js';
import { PRELUDE } from '../wgsl.js';
import { runElementwise } from './ew-core.js';

/**
 * torch's `threshold_backward` (relu's backward, Note [ReLU backward as one kernel] in @dl/tensor):
 * `out = output <= threshold ? 0 : grad` in one elementwise pass (contiguous / vec4 / strided forms
 * of ew-core.ts). WGSL leaves comparisons with NaN indeterminate (Note [NaN in WGSL]), so a NaN
 * output (or threshold) is tested on the bits and passes `grad`, as torch.
 *
 * @example
 * thresholdBackward(rt, gradView, outputView, outView, 0);
 */
export function thresholdBackward(rt: Runtime, grad: TensorView, output: TensorView, out: TensorView, threshold: number): void {
  runElementwise(rt, {
    key: 'thresholdBackward',
    head: () => PRELUDE,
    inputs: [grad, output],
    out,
    extra: [f32bits(threshold)],
    body: (w, x) => ({
      code: `      let y = bitcast<f32>(${w[1]}); let t = bitcast<f32>(${x[0]});`,
      word: `select(${w[0]}, 0u, !isnan_f(y) && !isnan_f(t) && y <= t)`,
    }),
  });
}
