import type { DType } from '@dl/tensor';
import type { TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, isFloatD, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { numelOf, stridedCode, stridedParams } from './strided.js';

/** Cumulative sum: one thread per line along `dim`, a sequential scan (same rounding as cpu). */
export function cumsum(rt: Runtime, x: TensorView, dim: number, out: TensorView): void {
  const rank = x.shape.length;
  const lineShape = x.shape.map((s, d) => (d === dim ? 1 : s));
  const len = rank === 0 ? 1 : x.shape[dim]!;
  const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
  const params = stridedParams(lineShape, [x, out]);
  const pi = params.length;
  params.push(len, rank === 0 ? 0 : x.strides[dim]!, rank === 0 ? 0 : out.strides[dim]!);
  const cd: DType = isFloatD(out.dtype) || isFloatD(x.dtype) ? 'float32' : 'int32';
  const zero = cd === 'float32' ? '0.0' : '0i';
  rt.run(
    `cumsum:${x.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 2)}
  var acc = ${zero};
  for (var k = 0u; k < P[${pi}]; k++) {
    acc = acc + ${cast(load(b.names[0]!, `o0 + k * P[${pi + 1}]`, x.dtype), x.dtype, cd)};
    ${b.names[1]}[o1 + k * P[${pi + 2}]] = ${toWord(cast('acc', cd, out.dtype), out.dtype)};
  }
}`,
    b,
    params,
    { threads: numelOf(lineShape), wg: WG },
  );
}
