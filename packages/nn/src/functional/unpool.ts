/**
 * Note [Max unpooling as one scatter]
 * `maxUnpool1d/2d` put each value of a max-pooled tensor back at the flat position h·W + w its
 * max-pooling index names, in a zero plane of the unpooled size, as torch's `F.max_unpool2d`: one
 * `scatter` of the flattened planes, so the gradient is the `gather` of the output gradient at the
 * same indices (torch's MaxUnpool2DBackward0) on every backend. An index outside the plane is an
 * IndexError (read on the host where the device can; checked on the device otherwise).
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { checkOnDevice, DEFERRED_NOTE, defineOp } from '@dl/tensor/internal';
import { pair, type Size2 } from './conv-args.js';
import type { Size1 } from './pool1d.js';

/** Options of `F.maxUnpool1d` / `F.maxUnpool2d`. */
export interface MaxUnpoolOptions<S> {
  /** Defaults to kernelSize. */
  stride?: S | null;
  padding?: S;
  /** The unpooled spatial size (or the full size), between the default ± stride (exclusive). */
  outputSize?: readonly number[] | null;
}

type UnpoolArgs = [
  op: string,
  x: Tensor,
  indices: Tensor,
  k: number[],
  s: number[],
  p: number[],
  outputSize: readonly number[] | null | undefined,
];
const unpool = defineOp<UnpoolArgs, Tensor>(
  (op) => op,
  (
    op: string,
    x: Tensor,
    indices: Tensor,
    k: number[],
    s: number[],
    p: number[],
    outputSize: readonly number[] | null | undefined,
  ): Tensor => {
    const nd = k.length;
    if (x.dim() !== nd + 1 && x.dim() !== nd + 2)
      throw new ShapeError(`${op}: expected a ${nd + 1}-D or ${nd + 2}-D input, got ${fmtShape(x.shape)}`, { op });
    if (indices.dtype !== 'int32') throw new DTypeError(`${op}: expected int32 indices (a max pooling's), got ${indices.dtype}`, { op });
    if (indices.dim() !== x.dim() || indices.shape.some((v, i) => v !== x.shape[i])) {
      throw new ShapeError(`${op}: expected indices of the input's shape ${fmtShape(x.shape)}, got ${fmtShape(indices.shape)}`, {
        op,
        hint: 'pass the indices returned with the pooled values',
      });
    }
    if (![...k, ...s, ...p].every((v) => Number.isInteger(v)) || k.some((v) => v <= 0) || s.some((v) => v <= 0) || p.some((v) => v < 0)) {
      throw new ArgumentError(
        `${op}: kernelSize and stride must be positive integers and padding non-negative, got kernelSize=${fmtShape(k)}, stride=${fmtShape(s)}, padding=${fmtShape(p)}`,
        { op },
      );
    }
    const spatial = x.shape.slice(x.dim() - nd);
    const dflt = spatial.map((n, d) => (n - 1) * s[d]! + k[d]! - 2 * p[d]!);
    let size = dflt;
    if (outputSize) {
      let o = [...outputSize];
      if (o.length === nd + 2) o = o.slice(2);
      if (o.length !== nd)
        throw new ArgumentError(`${op}: outputSize should have ${nd} or ${nd + 2} elements, but it has ${outputSize.length}`, { op });
      o.forEach((v, d) => {
        if (!(v > dflt[d]! - s[d]! && v < dflt[d]! + s[d]!)) {
          throw new ShapeError(
            `${op}: invalid outputSize ${fmtShape(o)} (dim ${d} must be between ${dflt[d]! - s[d]!} and ${dflt[d]! + s[d]!}, exclusive)`,
            { op },
          );
        }
      });
      size = o;
    }
    const plane = size.reduce((a, b) => a * b, 1);
    const lead = x.shape.slice(0, x.dim() - nd);
    const L = spatial.reduce((a, b) => a * b, 1);
    const bad = (v: number) =>
      new dl.IndexError(`${op}: found an invalid max index ${v} (output volumes are of size ${size.join('x')})`, {
        op,
        hint: DEFERRED_NOTE,
      });
    if (indices._backend.readSync) {
      if (indices.numel() > 0) {
        const lo = indices.min().itemSync();
        const hi = indices.max().itemSync();
        if (lo < 0 || hi >= plane)
          throw new dl.IndexError(`${op}: found an invalid max index ${lo < 0 ? lo : hi} (output volumes are of size ${size.join('x')})`, {
            op,
          });
      }
    } else checkOnDevice(op, indices, { lo: 0, hi: plane - 1, key: `${op}:${plane}`, error: bad });
    const zeros = dl.zeros([...lead, plane], { dtype: x.dtype, device: x.device });
    return zeros.scatter(-1, indices.reshape([...lead, L]), x.reshape([...lead, L])).reshape([...lead, ...size]);
  },
);

/**
 * The partial inverse of `F.maxPool2d`: each value put back where its index says, zeros elsewhere
 * (Note [Max unpooling as one scatter]).
 *
 * @example
 * const { values, indices } = F.maxPool2dWithIndices(x, 2);
 * F.maxUnpool2d(values, indices, 2); // x's maxima in place, zeros elsewhere
 */
export function maxUnpool2d(x: Tensor, indices: Tensor, kernelSize: Size2, opts: MaxUnpoolOptions<Size2> = {}): Tensor {
  const op = 'maxUnpool2d';
  const k = pair(kernelSize, 'kernelSize', op);
  const s = opts.stride === undefined || opts.stride === null ? k : pair(opts.stride, 'stride', op);
  return unpool(op, x, indices, k, s, pair(opts.padding ?? 0, 'padding', op), opts.outputSize);
}

/**
 * The partial inverse of `F.maxPool1d` over [C, L] or [N, C, L].
 *
 * @example
 * const { values, indices } = F.maxPool1dWithIndices(x, 2);
 * F.maxUnpool1d(values, indices, 2);
 */
export function maxUnpool1d(x: Tensor, indices: Tensor, kernelSize: Size1, opts: MaxUnpoolOptions<Size1> = {}): Tensor {
  const op = 'maxUnpool1d';
  const one = (v: Size1, name: string): number => {
    if (typeof v === 'number') return v;
    if (v.length !== 1) throw new ArgumentError(`${op}: ${name} must be a number or a 1-tuple, got ${JSON.stringify(v)}`, { op });
    return v[0]!;
  };
  const k = one(kernelSize, 'kernelSize');
  const s = opts.stride === undefined || opts.stride === null ? k : one(opts.stride, 'stride');
  return unpool(op, x, indices, [k], [s], [one(opts.padding ?? 0, 'padding')], opts.outputSize);
}
