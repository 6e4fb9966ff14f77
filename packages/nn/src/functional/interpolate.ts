/**
 * Note [Interpolation as gathers per axis]
 * torch's nearest and (bi)linear upsampling are separable: each spatial axis maps output position
 * o to source positions computed on the host with torch 1.13's formulas (in float32 for float32
 * input, as its CPU kernels, so the picked positions match at the boundaries):
 *  - nearest:       src = min(floor(o · s), n - 1) (o itself when sizes match, o >> 1 when doubling),
 *  - nearest-exact: src = min(floor((o + 0.5) · s), n - 1),
 *  - linear:        r = s · o (alignCorners) or max(s · (o + 0.5) - 0.5, 0); i0 = floor(r),
 *                   i1 = min(i0 + 1, n - 1), λ = r - i0; out = x[i0] · (1 - λ) + x[i1] · λ
 *                   (bilinear, trilinear: per axis),
 *  - bicubic:       r as linear but not clamped at 0; i = floor(r), t = r - i; the taps i-1 … i+2
 *                   (clamped to the axis) weighted by torch's cubic convolution (A = -0.75),
 * where s = (n - 1)/(out - 1) (alignCorners; 0 for out = 1), else 1/scaleFactor when a scale factor
 * was given and not recomputed (torch 1.13's default recomputeScaleFactor), else n/out.
 * Each axis is one or two `indexSelect`s (and a weighted sum), so the gradient (index_add of the
 * weighted gradient) is torch's, every backend runs it, and it differentiates again. 'area' is
 * adaptive average pooling, as torch.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape, isFloating, type Tensor } from '@dl/tensor';
import * as dl from '@dl/tensor';
import { defineOp } from '@dl/tensor/internal';
import { adaptiveAvgPool2d } from './conv.js';
import { adaptiveAvgPool1d } from './pool1d.js';

/** Modes of `F.interpolate`. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';

/** Options of `F.interpolate`: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** Output spatial size (one number for every spatial dim, or one per dim). */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size (output = floor(input · scale)). */
  scaleFactor?: number | readonly number[] | null;
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /** linear, bilinear, bicubic, trilinear only: align the corner pixels' centres (default false). */
  alignCorners?: boolean | null;
  /** Compute the coordinate scale from the sizes rather than from `scaleFactor` (default false, torch 1.13). */
  recomputeScaleFactor?: boolean | null;
}

const f32 = Math.fround;

/** torch's compute_scales_value / area_pixel_compute_scale, in the kernel's precision. */
function axisScale(n: number, out: number, scale: number | null, alignCorners: boolean, r: (v: number) => number): number {
  if (alignCorners) return out > 1 ? r((n - 1) / (out - 1)) : 0;
  return scale !== null && scale > 0 ? r(1 / scale) : r(n / out);
}

function nearestIndex(n: number, out: number, scale: number | null, exact: boolean, r: (v: number) => number): Int32Array {
  const idx = new Int32Array(out);
  const s = axisScale(n, out, scale, false, r);
  for (let o = 0; o < out; o++) {
    if (!exact && out === n) idx[o] = o;
    else if (!exact && out === 2 * n) idx[o] = o >> 1;
    else idx[o] = Math.min(Math.floor(r((exact ? o + 0.5 : o) * s)), n - 1);
  }
  return idx;
}

/** torch's cubic convolution weights (A = -0.75) of the 4 taps around a source offset t ∈ [0, 1). */
function cubicWeights(t: number, r: (v: number) => number): [number, number, number, number] {
  const A = -0.75;
  const c1 = (x: number) => r(r(r(r(r((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const c2 = (x: number) => r(r(r(r(r(r(A * x) - 5 * A) * x) + 8 * A) * x) - 4 * A);
  return [c2(r(t + 1)), c1(t), c1(r(1 - t)), c2(r(r(1 - t) + 1))];
}

/** The 4 taps (clamped to the axis) and weights of each output of a bicubic axis. */
function cubicTaps(
  n: number,
  out: number,
  scale: number | null,
  alignCorners: boolean,
  r: (v: number) => number,
): { idx: Int32Array[]; w: Float64Array[] } {
  const s = axisScale(n, out, scale, alignCorners, r);
  const idx = [0, 1, 2, 3].map(() => new Int32Array(out));
  const w = [0, 1, 2, 3].map(() => new Float64Array(out));
  for (let o = 0; o < out; o++) {
    const src = alignCorners ? r(s * o) : r(r(s * (o + 0.5)) - 0.5); // not clamped at 0, as torch's cubic
    const i = Math.floor(src);
    const c = cubicWeights(r(src - i), r);
    for (let k = 0; k < 4; k++) {
      idx[k]![o] = Math.max(Math.min(i - 1 + k, n - 1), 0);
      w[k]![o] = c[k]!;
    }
  }
  return { idx, w };
}

function linearTaps(
  n: number,
  out: number,
  scale: number | null,
  alignCorners: boolean,
  r: (v: number) => number,
): { i0: Int32Array; i1: Int32Array; l0: Float64Array; l1: Float64Array } {
  const s = axisScale(n, out, scale, alignCorners, r);
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  const l0 = new Float64Array(out);
  const l1 = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let src = alignCorners ? r(s * o) : r(r(s * (o + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const a = Math.min(Math.floor(src), n - 1);
    i0[o] = a;
    i1[o] = Math.min(a + 1, n - 1);
    l1[o] = Math.min(Math.max(r(src - a), 0), 1);
    l0[o] = r(1 - l1[o]!);
  }
  return { i0, i1, l0, l1 };
}

const resample = defineOp(
  'interpolate',
  (x: Tensor, sizes: readonly number[], scales: readonly (number | null)[], mode: InterpolateMode, alignCorners: boolean): Tensor => {
    const op = 'interpolate';
    const nd = sizes.length;
    const r = x.dtype === 'float32' ? f32 : (v: number) => v;
    let y = x;
    for (let i = 0; i < nd; i++) {
      const d = x.dim() - nd + i;
      const n = x.shape[d]!;
      const out = sizes[i]!;
      const at = (a: ArrayLike<number>, dtype: 'int32' | typeof x.dtype) =>
        dl.fromHost(a, dtype === 'int32' ? [out] : x.shape.map((_, k) => (k === d ? out : 1)), dtype, x.device, op);
      const linear = mode === 'linear' || mode === 'bilinear' || mode === 'trilinear';
      if (linear && out === n) continue; // torch copies an axis whose size stays
      if (mode === 'bicubic') {
        const t = cubicTaps(n, out, scales[i]!, alignCorners, r);
        const taps = [0, 1, 2, 3].map((k) => y.indexSelect(d, at(t.idx[k]!, 'int32')).mul(at(t.w[k]!, x.dtype)));
        y = taps[0]!.add(taps[1]!).add(taps[2]!).add(taps[3]!);
      } else if (linear) {
        const t = linearTaps(n, out, scales[i]!, alignCorners, r);
        y = y
          .indexSelect(d, at(t.i0, 'int32'))
          .mul(at(t.l0, x.dtype))
          .add(y.indexSelect(d, at(t.i1, 'int32')).mul(at(t.l1, x.dtype)));
      } else y = y.indexSelect(d, at(nearestIndex(n, out, scales[i]!, mode === 'nearest-exact', r), 'int32'));
    }
    return y === x ? x.clone() : y;
  },
);

/**
 * Up/down-sampling of [N, C, *spatial] (1–3 spatial dims) to `size` or by `scaleFactor`, as torch
 * 1.13's `F.interpolate`: modes 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' and
 * 'bicubic' (4-D), 'trilinear' (5-D) with `alignCorners`, and 'area' (Note [Interpolation as
 * gathers per axis]).
 *
 * @example
 * F.interpolate(img, { scaleFactor: 2, mode: 'bilinear', alignCorners: false });
 * F.interpolate(x, { size: [7, 9] });
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  const mode = opts.mode ?? 'nearest';
  const modes = ['nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area'];
  if (x.dim() < 3 || x.dim() > 5 || !modes.includes(mode)) {
    throw new ArgumentError(
      `${op}: only 3-D, 4-D and 5-D inputs are supported for the modes ${modes.join(' | ')} (got a ${x.dim()}-D input ${fmtShape(x.shape)}, mode '${mode}')`,
      {
        op,
        hint: 'the input is [N, C, *spatial]: unsqueeze the batch and channel dims',
      },
    );
  }
  const nd = x.dim() - 2;
  const interpolating = mode === 'linear' || mode === 'bilinear' || mode === 'bicubic' || mode === 'trilinear';
  if (!interpolating && opts.alignCorners !== undefined && opts.alignCorners !== null) {
    throw new ArgumentError(
      `${op}: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear (got mode '${mode}')`,
      { op },
    );
  }
  const needs = { linear: 1, bilinear: 2, bicubic: 2, trilinear: 3 } as Record<string, number>;
  if (needs[mode] !== undefined && nd !== needs[mode])
    throw new ArgumentError(`${op}: got ${x.dim()}D input, but ${mode} mode needs ${needs[mode]! + 2}D input`, { op });
  if (mode === 'area' && nd === 3)
    throw new ArgumentError(`${op}: area mode supports 3-D and 4-D inputs in dl, got ${fmtShape(x.shape)}`, { op });
  if (!isFloating(x.dtype))
    throw new DTypeError(`${op}: ${mode} interpolation is not implemented for ${x.dtype}`, { op, hint: 'cast with .float()' });
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(opts.size) && has(opts.scaleFactor)) throw new ArgumentError(`${op}: only one of size or scaleFactor should be defined`, { op });
  if (!has(opts.size) && !has(opts.scaleFactor)) throw new ArgumentError(`${op}: either size or scaleFactor should be defined`, { op });
  const spatial = x.shape.slice(2);
  const expand = (v: number | readonly number[], name: string): number[] => {
    if (typeof v === 'number') return Array(nd).fill(v);
    if (v.length !== nd) {
      throw new ArgumentError(
        `${op}: input and ${name} must have the same number of spatial dimensions, but got input with spatial dimensions of ${fmtShape(spatial)} and ${name} of ${fmtShape(v)}`,
        {
          op,
          hint: 'the input is [N, C, d1, …, dK]',
        },
      );
    }
    return [...v];
  };
  let sizes: number[];
  let scales: (number | null)[] = Array(nd).fill(null);
  if (has(opts.size)) {
    if (opts.recomputeScaleFactor)
      throw new ArgumentError(`${op}: recomputeScaleFactor is not meaningful with an explicit size`, {
        op,
        hint: 'give scaleFactor instead of size, or leave recomputeScaleFactor out',
      });
    sizes = expand(opts.size!, 'size');
    if (!sizes.every((s) => Number.isInteger(s)))
      throw new ArgumentError(`${op}: size must be integers, got ${JSON.stringify(opts.size)}`, { op });
  } else {
    const sf = expand(opts.scaleFactor!, 'scaleFactor');
    sizes = spatial.map((n, i) => Math.floor(n * sf[i]!));
    if (!opts.recomputeScaleFactor) scales = sf;
  }
  if (spatial.some((n) => n <= 0) || sizes.some((s) => s <= 0)) {
    throw new ShapeError(
      `${op}: input and output sizes should be greater than 0, but got input ${fmtShape(spatial)} and output ${fmtShape(sizes)}`,
      { op },
    );
  }
  if (mode === 'area') return nd === 1 ? adaptiveAvgPool1d(x, sizes[0]!) : adaptiveAvgPool2d(x, sizes);
  return resample(x, sizes, scales, mode, opts.alignCorners ?? false);
}
