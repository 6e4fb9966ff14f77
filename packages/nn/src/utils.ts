import * as dl from '@dl/tensor';
import { ArgumentError, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { checkOnDevice, DEFERRED_NOTE } from '@dl/tensor/internal';
export * as rnn from './rnn-utils.js';

/**
 * Scale gradients in place so their total `normType`-norm is at most `maxNorm`; returns the
 * total norm (before clipping) as a 0-d tensor, as `torch.nn.utils.clip_grad_norm_`.
 *
 * @example
 * nn.utils.clipGradNorm_(net.parameters(), 1.0);
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  opts: { errorIfNonfinite?: boolean } = {},
): Tensor {
  const params = parameters instanceof dl.Tensor ? [parameters] : [...parameters];
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  return noGrad(() => {
    if (grads.length === 0) return dl.tensor(0);
    let total: Tensor;
    if (normType === Infinity) total = dl.stack(grads.map((g) => g.abs().max())).max();
    else total = dl.stack(grads.map((g) => g.norm(normType))).norm(normType);
    if (opts.errorIfNonfinite) {
      const error = (deferred: boolean) =>
        new ArgumentError(`clipGradNorm_: the total norm of order ${normType} for gradients is non-finite`, {
          op: 'clipGradNorm_',
          hint: 'a gradient holds NaN or inf; pass errorIfNonfinite: false to clip anyway' + (deferred ? `. ${DEFERRED_NOTE}` : ''),
        });
      // no sync read: the device checks, and the next read raises
      if (!total._backend.readSync)
        checkOnDevice('clipGradNorm_', total, {
          lo: -Infinity,
          hi: Infinity,
          loOpen: true,
          hiOpen: true,
          key: `clipGradNorm_:${normType}`,
          error: () => error(true),
        });
      else if (!Number.isFinite(total.itemSync())) throw error(false);
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  });
}

/**
 * Clamp every gradient into [-clipValue, clipValue] in place.
 *
 * @example
 * const net = new nn.Linear(4, 2);
 * net(dl.randn(8, 4)).sum().backward();
 * nn.utils.clipGradValue_(net.parameters(), 0.1); // every grad in [-0.1, 0.1]
 */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const params = parameters instanceof dl.Tensor ? [parameters] : [...parameters];
  noGrad(() => {
    for (const p of params) p.grad?.clamp_(-clipValue, clipValue);
  });
}

/**
 * Concatenate parameters into one flat vector.
 *
 * @example
 * nn.utils.parametersToVector(new nn.Linear(4, 2).parameters()).shape; // → [10]
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  return dl.cat([...parameters].map((p) => p.reshape(-1)));
}
