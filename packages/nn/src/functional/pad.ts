/**
 * Note [Non-constant padding as one gather]
 * 'reflect', 'replicate' and 'circular' padding copy input positions into the border: output
 * position i of a padded axis reads one input position src(i), so each axis is one `indexSelect`
 * with a host-built index (its gradient adds every output back into the position it read, which is
 * PyTorch's backward: border positions get the gradient of each copy). Composite, so it runs on
 * every backend and differentiates again. With j = i - left:
 *  - reflect:   j < 0 → -j, j ≥ n → 2(n - 1) - j (edge not repeated; each pad < n);
 *  - replicate: j clamped to [0, n - 1];
 *  - circular:  torch 1.13 crops the negative pads first, then wraps the cropped axis of size m:
 *               j = i - max(left, 0), read at max(-left, 0) + (j mod m) (each pad ≤ m: torch checks
 *               ≤ n only, and beyond m reads memory it has not written yet, so dl raises there).
 * The ranks follow torch 1.13's F.pad: 2, 4 or 6 pad amounts (1, 2 or 3 padded dims) on an input of
 * that many dims plus one or two (batch-less or batched), floating only for reflect/replicate;
 * circular needs both the batch and the channel dim.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, isFloating, type Tensor } from '@dl/tensor';
import { defineOp } from '@dl/tensor/internal';

/** Padding modes of `F.pad`. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of `F.pad`. */
export interface PadOptions {
  /** 'constant' (default), 'reflect', 'replicate' or 'circular'. */
  mode?: PadMode;
  /** The fill of 'constant' padding (default 0). */
  value?: number;
}

/**
 * Padding, as `F.pad(x, [left, right, top, bottom, …], { mode, value })`: pairs start at the last
 * dim; negative amounts crop. Modes 'constant' (any rank), and 'reflect', 'replicate', 'circular'
 * over the last 1–3 dims with torch 1.13's ranks (Note [Non-constant padding as one gather]).
 *
 * @example
 * F.pad(x, [1, 1, 2, 0]);
 * F.pad(img, [2, 2, 2, 2], { mode: 'reflect' });
 */
export function pad(x: Tensor, amounts: readonly number[], opts: PadOptions = {}): Tensor {
  const mode = opts.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new ArgumentError(`pad: unrecognised padding mode '${mode}'`, {
      op: 'pad',
      hint: "use 'constant', 'reflect', 'replicate' or 'circular'",
    });
  }
  if (!amounts.every((a) => Number.isInteger(a)))
    throw new ArgumentError(`pad: padding amounts must be integers, got ${JSON.stringify(amounts)}`, { op: 'pad' });
  if (mode !== 'constant') return padNonConstant(x, amounts, mode, opts.value);
  if (amounts.length % 2 !== 0 || amounts.length / 2 > x.dim()) {
    throw new ArgumentError(`pad: padding length must be even and at most 2 * ${x.dim()}, got ${amounts.length}`, { op: 'pad' });
  }
  for (let i = 0; i < amounts.length / 2; i++) {
    const d = x.dim() - 1 - i;
    const lo = amounts[2 * i]!;
    const hi = amounts[2 * i + 1]!;
    const n = x.shape[d]! + lo + hi;
    if (n < 0) {
      throw new ShapeError(
        `pad: the input size ${x.shape[d]}, plus negative padding ${lo} and ${hi} resulted in a negative output size (${n}) for dimension ${d} of input ${fmtShape(x.shape)}`,
        {
          op: 'pad',
          hint: 'negative padding crops: it can remove at most the whole dimension',
        },
      );
    }
  }
  // a 1-D empty input is padded as a row: cat leaves legacy empty 1-D tensors out (also of the
  // autograd record), so the output would not require grad where torch's does
  if (x.dim() === 1 && x.shape[0] === 0 && amounts.some((a) => a > 0)) return pad(x.unsqueeze(0), amounts, opts).squeeze(0);
  const value = opts.value ?? 0;
  let r = x;
  for (let i = 0; i < amounts.length / 2; i++) {
    const d = x.dim() - 1 - i;
    const lo = amounts[2 * i]!;
    const hi = amounts[2 * i + 1]!;
    if (lo < 0) r = r.narrow(d, -lo, r.shape[d]! + lo);
    if (hi < 0) r = r.narrow(d, 0, r.shape[d]! + hi);
    const parts: Tensor[] = [];
    const side = (n: number) => {
      const shape = [...r.shape];
      shape[d] = n;
      return dl.full(shape, value, { dtype: r.dtype, device: r.device });
    };
    if (lo > 0) parts.push(side(lo));
    parts.push(r);
    if (hi > 0) parts.push(side(hi));
    if (parts.length > 1) r = dl.cat(parts, d);
  }
  return r;
}

/** The source position of each output position of one padded axis (Note [Non-constant padding as one gather]). */
function sourceIndex(mode: Exclude<PadMode, 'constant'>, n: number, lo: number, hi: number): Int32Array {
  const out = new Int32Array(n + lo + hi);
  const m = n - Math.max(-lo, 0) - Math.max(-hi, 0); // circular: the cropped size
  for (let i = 0; i < out.length; i++) {
    if (mode === 'circular') {
      const j = i - Math.max(lo, 0);
      out[i] = Math.max(-lo, 0) + (((j % m) + m) % m);
      continue;
    }
    const j = i - lo;
    out[i] = mode === 'replicate' ? Math.min(Math.max(j, 0), n - 1) : j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
  }
  return out;
}

const padNonConstant = defineOp(
  'pad',
  (x: Tensor, amounts: readonly number[], mode: Exclude<PadMode, 'constant'>, value: number | undefined): Tensor => {
    const op = 'pad';
    if (value !== undefined && value !== 0)
      throw new ArgumentError(`pad: padding mode "${mode}" doesn't take in value argument (got value=${value})`, { op });
    const k = amounts.length / 2;
    if (!(k === 1 || k === 2 || k === 3) || !(x.dim() === k + 1 || x.dim() === k + 2)) {
      throw new ArgumentError(
        `pad: only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now (mode '${mode}', ${amounts.length} pad amounts, input ${fmtShape(x.shape)})`,
        {
          op,
          hint: `${mode} padding pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims ([C, W] or [N, C, W] for 2 amounts)`,
        },
      );
    }
    if (mode === 'circular' && x.dim() !== k + 2) {
      throw new ArgumentError(`pad: circular padding of ${k} dims expects a ${k + 2}-D input [N, C, …], got ${fmtShape(x.shape)}`, {
        op,
        hint: `invalid padding size: give ${2 * (x.dim() - 2)} amounts, or unsqueeze a batch dim`,
      });
    }
    if (mode !== 'circular' && !isFloating(x.dtype))
      throw new DTypeError(`pad: ${mode} padding is not implemented for ${x.dtype}`, { op, hint: 'cast with .float()' });
    for (let d = x.dim() - k - (mode === 'circular' ? 1 : 0); d < x.dim() - k; d++) {
      if (x.shape[d] === 0)
        throw new ShapeError(`pad: ${mode} padding expects non-empty non-batch dims, got input ${fmtShape(x.shape)}`, { op });
    }
    let r = x;
    for (let i = 0; i < k; i++) {
      const d = x.dim() - 1 - i;
      const n = x.shape[d]!;
      const lo = amounts[2 * i]!;
      const hi = amounts[2 * i + 1]!;
      const size = n + lo + hi;
      if (mode === 'reflect' && (lo >= n || hi >= n)) {
        throw new ShapeError(
          `pad: padding size should be less than the corresponding input dimension, but got padding (${lo}, ${hi}) at dimension ${d} of input ${fmtShape(x.shape)}`,
          { op, hint: 'reflect padding does not repeat the edge: each pad must be < the size' },
        );
      }
      if (mode === 'circular' && (lo > n || hi > n)) {
        throw new ShapeError(
          `pad: padding value causes wrapping around more than once: padding (${lo}, ${hi}) at dimension ${d} of input ${fmtShape(x.shape)}`,
          { op, hint: 'circular pads must be at most the size' },
        );
      }
      const m = n - Math.max(-lo, 0) - Math.max(-hi, 0);
      if (mode === 'circular' && size > 0 && (lo > m || hi > m)) {
        throw new ShapeError(
          `pad: padding value causes wrapping around more than once: padding (${lo}, ${hi}) at dimension ${d} of input ${fmtShape(x.shape)} wraps an axis cropped to ${m}`,
          {
            op,
            hint: 'circular pads must be at most the size left after the negative (cropping) pads; torch 1.13 reads uninitialised memory there',
          },
        );
      }
      if (size < (mode === 'circular' ? 0 : 1)) {
        throw new ShapeError(
          `pad: input (size ${n} at dimension ${d} of ${fmtShape(x.shape)}) is too small: padding (${lo}, ${hi}) gives an output size of ${size}`,
          { op },
        );
      }
      if (lo === 0 && hi === 0) continue;
      if (size === 0) {
        r = r.narrow(d, 0, 0);
        continue;
      }
      r = r.indexSelect(d, dl.fromHost(sourceIndex(mode, n, lo, hi), [size], 'int32', x.device, op));
    }
    return r;
  },
);
