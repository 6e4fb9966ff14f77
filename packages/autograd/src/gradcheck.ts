import * as dl from '@dl/tensor';
import { AutogradError, type Tensor } from '@dl/tensor';
import { grad } from './engine.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw on failure (default) or return false. */
  raiseException?: boolean;
}

/** The function `gradcheck` differentiates: tensors in, a tensor or tensors out. */
export type GradcheckFn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: GradcheckFn, inputs: Tensor[]): Tensor[] {
  const r = fn(...inputs);
  return Array.isArray(r) ? r : [r];
}

function checkInputs(op: string, inputs: Tensor[]): void {
  for (const [i, t] of inputs.entries()) {
    if (t.requiresGrad && t.dtype !== 'float64') {
      throw new AutogradError(`${op}: input ${i} requires grad but is ${t.dtype}; finite differences need float64`, {
        op,
        hint: "create inputs with { dtype: 'float64' } (as torch.autograd.gradcheck warns)",
      });
    }
    if (!t._backend.readSync) {
      throw new AutogradError(`${op}: input ${i} is on '${t.device}'; gradcheck runs on cpu`, { op, hint: "move inputs with .to('cpu')" });
    }
  }
}

/**
 * Compare analytical gradients (from backward) with central finite differences, in float64
 * on cpu, as `torch.autograd.gradcheck`. Returns true, or throws a report naming the first
 * mismatching input, output and entry.
 *
 * @example
 * const x = dl.randn([3], { dtype: 'float64', requiresGrad: true });
 * gradcheck((t) => t.pow(3).sum(), [x]); // true
 */
export function gradcheck(fn: GradcheckFn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  checkInputs('gradcheck', inputs);
  const diffIdx = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const outs = outputsOf(fn, inputs);
  for (const [oi, out] of outs.entries()) {
    if (!out.requiresGrad) continue;
    const outN = out.numel();
    for (const ii of diffIdx) {
      const x = inputs[ii]!;
      const n = x.numel();
      // numerical Jacobian column by column: perturb x[j] in place (in its storage)
      const numeric = new Float64Array(n * outN);
      // The view is taken anew for every write: a step boundary inside fn (a top-level grad()) may
      // move x's values into another buffer (Note [Memory without ceremony] in @dl/tensor).
      const hostOf = () => {
        const h = x._backend.hostView?.(x._storage.buffer, x.dtype);
        if (!h) throw new AutogradError('gradcheck: needs a backend with host views (cpu)', { op: 'gradcheck' });
        return h;
      };
      const offsets = elementOffsets(x);
      for (let j = 0; j < n; j++) {
        const p = offsets[j]!;
        const orig = hostOf()[p]!;
        hostOf()[p] = orig + eps;
        const plus = dl.tidy(() => evalOut(fn, inputs, oi));
        hostOf()[p] = orig - eps;
        const minus = dl.tidy(() => evalOut(fn, inputs, oi));
        hostOf()[p] = orig;
        for (let k = 0; k < outN; k++) numeric[k * n + j] = (plus[k]! - minus[k]!) / (2 * eps);
      }
      // analytical Jacobian row by row: backward of each output element
      for (let k = 0; k < outN; k++) {
        const seed = dl.zeros([...out.shape], { dtype: out.dtype });
        seed._backend.hostView!(seed._storage.buffer, seed.dtype)[k] = 1;
        const o2 = outputsOf(fn, inputs)[oi]!;
        const [g] = grad([o2], [x], { gradOutputs: [seed], allowUnused: true });
        const ga = g ? g.contiguous().dataSync() : new Float64Array(n);
        for (let j = 0; j < n; j++) {
          const a = ga[j]!;
          const b = numeric[k * n + j]!;
          if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
            if (opts.raiseException === false) return false;
            throw new AutogradError(
              `gradcheck: Jacobian mismatch for output ${oi} with respect to input ${ii} (shape [${x.shape.join(', ')}]) ` +
                `at output element ${k}, input element ${j}: numerical ${b}, analytical ${a}`,
              { op: 'gradcheck', hint: 'the derivative rule (or a kernel) disagrees with finite differences' },
            );
          }
        }
      }
    }
  }
  return true;
}

function evalOut(fn: GradcheckFn, inputs: Tensor[], oi: number): Float64Array {
  return Float64Array.from(outputsOf(fn, inputs)[oi]!.detach().contiguous().dataSync());
}

function elementOffsets(x: Tensor): number[] {
  const out: number[] = [];
  const rec = (d: number, off: number) => {
    if (d === x.dim()) {
      out.push(off);
      return;
    }
    for (let i = 0; i < x.shape[d]!; i++) rec(d + 1, off + i * x._strides[d]!);
  };
  rec(0, x._offset);
  return out;
}

/**
 * Check second derivatives: gradcheck of the gradient function (with `createGraph`), as
 * `torch.autograd.gradgradcheck`.
 *
 * @example
 * gradgradcheck((t) => t.pow(3).sum(), [x]);
 */
export function gradgradcheck(fn: GradcheckFn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  checkInputs('gradgradcheck', inputs);
  const diffIdx = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const outs = outputsOf(fn, inputs);
  const gradOuts = outs.map((o) => dl.randn([...o.shape], { dtype: 'float64', generator: new dl.Generator(7) }).requiresGrad_());
  const nIn = inputs.length;
  const gfn = (...all: Tensor[]): Tensor[] => {
    const ins = all.slice(0, nIn);
    const gos = all.slice(nIn);
    const o = outputsOf(fn, ins);
    const gs = grad(
      o,
      diffIdx.map((i) => ins[i]!),
      { gradOutputs: gos, createGraph: true, allowUnused: true },
    );
    return gs.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(gfn, [...inputs, ...gradOuts], opts);
}
