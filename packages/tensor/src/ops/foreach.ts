import type { OptimizerStep, OptimizerSteps } from '../backend.js';
import { defineOp, deviceCan, inPlace, runKernel } from '../dispatch.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { contiguousRaw } from './core.js';

/**
 * Note [Fused optimizer step]
 * PyTorch's `foreach` optimizers update every parameter of a group with a few multi-tensor
 * kernels; the per-tensor path (optim's `updateGroup`) runs 2–10 elementwise ops per parameter,
 * each a pass over memory with temporaries. A backend with `optimizerStep` (cpu: one wasm SIMD
 * loop per parameter that reads param, grad and state once and writes them back, no
 * temporaries) does the whole group in one call, computing the per-tensor ops' float32 results
 * in their order (so both paths agree to the last bit where neither fuses a multiply-add).
 * This op only checks that the group fits the contract: one device, float32 everywhere,
 * contiguous params and state of the param's numel, grads of that numel (a strided grad is
 * copied to a contiguous one first). Anything else — other dtypes, a backend without the kernel,
 * one that declines — returns false and the caller runs its per-tensor ops, which also give
 * their usual errors for bad input.
 */

function fits(p: Tensor, g: Tensor, states: readonly Tensor[]): boolean {
  if (p.dtype !== 'float32' || g.dtype !== 'float32' || !p.isContiguous()) return false;
  const n = p.numel();
  if (g.numel() !== n || g.device !== p.device) return false;
  for (const s of states) {
    if (s.dtype !== 'float32' || s.numel() !== n || !s.isContiguous() || s.device !== p.device) return false;
  }
  return true;
}

/**
 * @internal One multi-tensor optimizer step in place (Note [Fused optimizer step]): `params[i]`
 * (detached views of the parameters) and `states[i]` updated from `grads[i]` by `step`'s rule.
 * Returns false, having changed nothing, when the group does not fit or the device declines.
 *
 * @example
 * const done = fusedOptimizerStep({ kind: 'sgd', lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
 *   [1], [w.detach()], [w.grad!], [[]]);
 */
export const fusedOptimizerStep = defineOp(
  'optimizerStep',
  (
    step: OptimizerStep,
    steps: OptimizerSteps,
    params: readonly Tensor[],
    grads: readonly Tensor[],
    states: readonly (readonly Tensor[])[],
  ): boolean => {
    const op = 'optimizerStep';
    if (params.length !== grads.length || params.length !== states.length || params.length !== steps.length) {
      throw new ArgumentError(
        `${op}: got ${params.length} params, ${grads.length} grads, ${states.length} state lists and ${steps.length} step counts`,
        { op, hint: 'one grad, one state list and one step count per parameter' },
      );
    }
    if (params.length === 0) return true;
    const first = params[0]!;
    if (!deviceCan(first, 'optimizerStep')) return false;
    for (let i = 0; i < params.length; i++)
      if (!fits(params[i]!, grads[i]!, states[i]!) || params[i]!.device !== first.device) return false;
    const gs = grads.map((g) => contiguousRaw(g));
    const done = { value: false };
    try {
      runKernel(
        op,
        'optimizerStep',
        step,
        steps,
        params.map((p) => inPlace(p)),
        gs,
        states.map((ss) => ss.map((s) => inPlace(s))),
        done,
      );
    } finally {
      gs.forEach((g, i) => {
        if (g !== grads[i]) g.dispose();
      });
    }
    return done.value;
  },
);
