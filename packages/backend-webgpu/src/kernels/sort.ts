import type { TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, isFloatD, load, PRELUDE, WG } from '../wgsl.js';

/**
 * Note [Sort]
 * Stable sort by rank: the thread of element `i` of a row counts the elements that go
 * before it (smaller, or equal with a smaller index; NaN is larger than every number)
 * and writes value and index at that rank. O(n) per element, fully parallel, exactly
 * stable; fine for the row lengths dl sorts (topk, unique, median), slow for rows of
 * many thousands.
 */
export function sort(rt: Runtime, x: TensorView, descending: boolean, values: TensorView, indices: TensorView): void {
  const n = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  const total = x.shape.reduce((a, b) => a * b, 1);
  const b = bind([
    { buf: x.buffer as GpuBuf },
    { buf: values.buffer as GpuBuf, write: true },
    { buf: indices.buffer as GpuBuf, write: true },
  ]);
  const [X, V, I] = b.names as [string, string, string];
  const fl = isFloatD(x.dtype);
  const T = fl ? 'f32' : 'i32';
  const nan = (v: string) => (fl ? `isnan_f(${v})` : 'false');
  const before = descending
    ? `(${nan('a')} && !${nan('b')}) || (!${nan('a')} && !${nan('b')} && a > b)`
    : `!${nan('a')} && (${nan('b')} || a < b)`;
  const eq = fl ? '(isnan_f(a) && isnan_f(b)) || a == b' : 'a == b';
  rt.run(
    `sort:${x.dtype}:${descending ? 'd' : 'a'}:${b.key}`,
    () => `${PRELUDE}${b.decl}
fn key(w: u32) -> ${T} { return ${cast(load(X, 'w', x.dtype), x.dtype, fl ? 'float32' : 'int32')}; }
fn goesBefore(a: ${T}, b: ${T}) -> bool { return ${before}; }
fn same(a: ${T}, b: ${T}) -> bool { return ${eq}; }
${entry1d()}
  if (gid >= P[0]) { return; }
  let n = P[1];
  let row = gid / n; let i = gid % n;
  let base = P[2] + row * n;
  let me = key(base + i);
  var r = 0u;
  for (var j = 0u; j < n; j++) {
    let o = key(base + j);
    if (goesBefore(o, me) || (j < i && same(o, me))) { r++; }
  }
  ${V}[P[3] + row * n + r] = ${X}[base + i];
  ${I}[P[4] + row * n + r] = u32(i);
}`,
    b,
    [total, n, x.offset, values.offset, indices.offset],
    { threads: total, wg: WG },
  );
}
