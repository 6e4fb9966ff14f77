let enabled = true;

/** Is gradient recording on? */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Turn gradient recording on or off globally (`torch.set_grad_enabled`).
 *
 * @example
 * dl.setGradEnabled(false); const y = model.forward(x); dl.setGradEnabled(true);
 */
export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    const r = fn();
    if (r instanceof Promise) {
      throw new TypeError('noGrad/enableGrad: fn must be synchronous; for async code use setGradEnabled');
    }
    return r;
  } finally {
    enabled = prev;
  }
}

/**
 * Run `fn` without recording gradients (`with torch.no_grad():`).
 *
 * @example
 * const preds = noGrad(() => model.forward(X));
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Run `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
