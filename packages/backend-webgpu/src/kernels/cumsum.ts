import type { DType } from '@dl/tensor';
import type { TensorView } from '@dl/tensor/backend';
import { reportCode } from '../device-errors.js';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, isFloatD, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { numelOf, stridedCode, stridedParams } from './strided.js';

/**
 * Cumulative sum: one thread per line along `dim`, a sequential scan (same rounding as cpu). An
 * int32 scan into int32 keeps the high word of the exact 64-bit prefix and reports the first
 * prefix outside int32 at the next read (Note [Exact int32 sums] in reduce.ts), as cpu raises.
 */
export function cumsum(rt: Runtime, x: TensorView, dim: number, out: TensorView): void {
  const rank = x.shape.length;
  const lineShape = x.shape.map((s, d) => (d === dim ? 1 : s));
  const len = rank === 0 ? 1 : x.shape[dim]!;
  const cd: DType = isFloatD(out.dtype) || isFloatD(x.dtype) ? 'float32' : 'int32';
  const checked = cd === 'int32' && out.dtype === 'int32';
  const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }, ...(checked ? [rt.errors.binding()] : [])]);
  const params = stridedParams(lineShape, [x, out]);
  const pi = params.length;
  params.push(len, rank === 0 ? 0 : x.strides[dim]!, rank === 0 ? 0 : out.strides[dim]!);
  if (checked) params.push(rt.errors.site('cumsum', dim, 'overflow', `${x.dtype} tensor of shape [${x.shape.join(', ')}]`));
  const zero = cd === 'float32' ? '0.0' : '0i';
  const xv = cast(load(b.names[0]!, `o0 + k * P[${pi + 1}]`, x.dtype), x.dtype, cd);
  const step = checked
    ? `let v = ${xv};
    let lo = bitcast<u32>(acc) + bitcast<u32>(v);
    hi = hi + select(0u, 0xffffffffu, v < 0i) + select(0u, 1u, lo < bitcast<u32>(acc));
    acc = bitcast<i32>(lo);
    if (!bad && hi != select(0u, 0xffffffffu, acc < 0i)) {
      bad = true;
      ${reportCode(b.names[2]!, `P[${pi + 3}]`, 'acc', 'hi')}
    }`
    : `acc = acc + ${xv};`;
  rt.run(
    `cumsum:${x.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 2)}
  var acc = ${zero};
  var hi = 0u;
  var bad = false;
  for (var k = 0u; k < P[${pi}]; k++) {
    ${step}
    ${b.names[1]}[o1 + k * P[${pi + 2}]] = ${toWord(cast('acc', cd, out.dtype), out.dtype)};
  }
}`,
    b,
    params,
    { threads: numelOf(lineShape), wg: WG },
  );
}
