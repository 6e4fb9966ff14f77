import { ArgumentError } from '@dl/tensor';

/**
 * Note [Grad modes as scopes]
 * PyTorch's grad mode is thread-local state that `with torch.no_grad():` sets and restores.
 * Here a stack of frames does it: `noGrad(fn)`, `enableGrad(fn)` and `setGradEnabled(mode, fn)`
 * push a frame with their mode, run `fn` and remove the frame, and the mode is the top frame's
 * (or the global one, `setGradEnabled(mode)`, when no frame is open). `setGradEnabled(mode)`
 * inside a frame changes that frame only, so the frame's end undoes it — as a
 * `torch.set_grad_enabled(False)` inside a `with` block is undone when the block exits.
 *
 * An async `fn` keeps its frame until the promise it returns settles. JavaScript has one thread
 * but interleaves async functions at each `await`, so while the frame is open *every* piece of
 * code that runs sees its mode, not only `fn`'s — other async work interleaving during the
 * awaits, and the caller itself if it does not await the result at once. That is PyTorch's
 * caveat for a `no_grad` block another thread's work runs during. Two overlapping async frames
 * each remove only their own frame when they settle (out of order is fine): the mode is then
 * the remaining top frame's.
 */
interface Frame {
  mode: boolean;
}

const frames: Frame[] = [];
let globalMode = true;
/** The effective mode (read on every op: a plain variable). */
let enabled = true;

function refresh(): void {
  enabled = frames.length > 0 ? frames[frames.length - 1]!.mode : globalMode;
}

/**
 * Whether gradient recording is on (ops on tensors that require grad build a graph), as
 * `torch.is_grad_enabled`; `noGrad`, `enableGrad` and `setGradEnabled` change it.
 *
 * @example
 * isGradEnabled();                     // true
 * noGrad(() => isGradEnabled());       // false
 */
export function isGradEnabled(): boolean {
  return enabled;
}

function checkMode(op: string, mode: unknown): asserts mode is boolean {
  if (typeof mode !== 'boolean') {
    throw new ArgumentError(`${op}: mode must be true or false, got ${mode === null ? 'null' : typeof mode}`, {
      op,
      hint: `${op}(false, () => model(x)) runs one function without recording; ${op}(false) switches recording off until ${op}(true)`,
    });
  }
}

function checkFn(op: string, fn: unknown): asserts fn is () => unknown {
  if (typeof fn !== 'function') {
    throw new ArgumentError(`${op}: expected a function to run, got ${fn === null ? 'null' : typeof fn}`, {
      op,
      hint: `${op}(() => model(x)) — or, for a block of statements, ${op}(() => { … })`,
    });
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const frame: Frame = { mode };
  frames.push(frame);
  enabled = mode;
  let async = false;
  try {
    const r = fn();
    if (isThenable(r)) {
      async = true;
      const close = (): void => removeFrame(frame);
      return Promise.resolve(r).finally(close) as T;
    }
    return r;
  } finally {
    if (!async) removeFrame(frame);
  }
}

function removeFrame(frame: Frame): void {
  const i = frames.lastIndexOf(frame);
  if (i >= 0) frames.splice(i, 1);
  refresh();
}

/**
 * Turn gradient recording on or off (`torch.set_grad_enabled`). With a function, run it in that
 * mode and restore the previous mode afterwards (also when it throws, and, for an async
 * function, when its promise settles: Note [Grad modes as scopes]); returns its result. Without
 * one, switch the mode until the next switch (inside a `noGrad`/`enableGrad` scope: until that
 * scope ends).
 *
 * @example
 * const preds = dl.setGradEnabled(false, () => model(x)); // grad mode restored afterwards
 * dl.setGradEnabled(false); evaluate(); dl.setGradEnabled(true);
 */
export function setGradEnabled(mode: boolean): void;
export function setGradEnabled<T>(mode: boolean, fn: () => T): T;
export function setGradEnabled<T>(mode: boolean, fn?: () => T): T | void {
  checkMode('setGradEnabled', mode);
  if (fn !== undefined) {
    checkFn('setGradEnabled', fn);
    return withMode(mode, fn);
  }
  if (frames.length > 0) frames[frames.length - 1]!.mode = mode;
  else globalMode = mode;
  enabled = mode;
}

/**
 * Run `fn` without recording gradients (`with torch.no_grad():`) and return its result. An
 * async `fn` runs with recording off until its promise settles — and so does any other code
 * that runs meanwhile (Note [Grad modes as scopes]).
 *
 * @example
 * const preds = noGrad(() => model(X));
 * const acc = await noGrad(async () => evaluate(model, await loadBatch()));
 */
export function noGrad<T>(fn: () => T): T {
  checkFn('noGrad', fn);
  return withMode(false, fn);
}

/**
 * Run `fn` with gradient recording on, even inside `noGrad` (`with torch.enable_grad():`). An
 * async `fn` keeps recording on until its promise settles (Note [Grad modes as scopes]).
 *
 * @example
 * noGrad(() => { const y = enableGrad(() => x.mul(2)); }); // y records
 */
export function enableGrad<T>(fn: () => T): T {
  checkFn('enableGrad', fn);
  return withMode(true, fn);
}
