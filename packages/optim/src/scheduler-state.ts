import { ArgumentError } from '@dl/tensor';
import { pyName } from '@dl/nn';

/** JS fields whose PyTorch name is not their snake_case form. */
const TORCH_KEY: Record<string, string> = { lastLr: '_last_lr', stepCount: '_step_count', TMax: 'T_max' };
/** Keys PyTorch's schedulers carry that dl has no use for (kept out of dl's fields on load). */
const TORCH_ONLY: Record<string, unknown> = { verbose: false, _get_lr_called_within_step: false };

const torchKey = (k: string): string => TORCH_KEY[k] ?? pyName(k);

/**
 * A scheduler's state in PyTorch's layout (`scheduler.state_dict()`: every attribute but the
 * optimizer, snake_case — `base_lrs`, `last_epoch`, `_step_count`, `_last_lr`, `step_size`…),
 * leaving out functions and `skip` (state rebuilt by the constructor).
 */
export function schedulerStateDict(s: object, skip: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'optimizer' || skip.includes(k) || typeof v === 'function') continue;
    if (Array.isArray(v) && v.some((x) => typeof x === 'function')) continue; // LambdaLR's lambdas
    out[torchKey(k)] = Array.isArray(v) ? [...v] : v;
  }
  for (const [k, v] of Object.entries(TORCH_ONLY)) if (!(k in out)) out[k] = v;
  return out;
}

/** Restore what {@link schedulerStateDict} (or PyTorch's `state_dict()`) gave, into `s`'s fields. */
export function loadSchedulerStateDict(s: object, sd: Record<string, unknown>, skip: readonly string[]): void {
  if (sd === null || typeof sd !== 'object') {
    throw new ArgumentError(`loadStateDict: expected a scheduler state dict (an object), got ${sd === null ? 'null' : typeof sd}`, {
      op: 'loadStateDict',
    });
  }
  const own = s as Record<string, unknown>;
  const byTorch = new Map(
    Object.keys(own)
      .filter((k) => k !== 'optimizer' && !skip.includes(k))
      .map((k) => [torchKey(k), k]),
  );
  for (const [k, v] of Object.entries(sd)) {
    const key = byTorch.get(k) ?? (k in own && !skip.includes(k) && k !== 'optimizer' ? k : undefined);
    if (key === undefined || typeof own[key] === 'function') continue;
    own[key] = Array.isArray(v) ? [...v] : v;
  }
}
