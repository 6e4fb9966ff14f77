import type { TensorView } from '@dl/tensor/backend';
import { reportCode } from '../device-errors.js';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { copy } from './elementwise.js';
import { numelOf, stridedCode, stridedParams } from './strided.js';

const buf = (v: TensorView) => v.buffer as GpuBuf;

/** `v` with its stride along `dim` set to 0 (the kernel adds `index * stride` itself). */
function dropDim(v: TensorView, dim: number): TensorView {
  return { ...v, strides: v.strides.map((s, d) => (d === dim ? 0 : s)) };
}

/**
 * WGSL: `idx`, the index (i32 at word `w` of `name`), and `ok`: it is in [0, size). A bad index
 * (negative ones included, as PyTorch) is reported to the error words `E` for site `siteP`
 * (Note [Deferred GPU errors]); the caller skips the lookup.
 */
function indexCode(name: string, w: string, sizeP: string, E: string, siteP: string): string {
  return `  let ii = bitcast<i32>(${name}[${w}]);
  let ok = ii >= 0i && u32(ii) < ${sizeP};
  let idx = select(0u, u32(ii), ok);
  if (!ok) {
    ${reportCode(E, siteP, 'ii', sizeP)}
  }
`;
}

export function gather(rt: Runtime, x: TensorView, dim: number, index: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(index) }, { buf: buf(out), write: true }, { buf: buf(x) }, rt.errors.binding()]);
  const params = stridedParams(out.shape, [index, out, dropDim(x, dim)]);
  const pi = params.length;
  params.push(x.shape[dim]!, x.strides[dim]!, rt.errors.site('gather', dim));
  const [I, O, X, E] = b.names as [string, string, string, string];
  const val =
    x.dtype === out.dtype
      ? `${X}[o2 + idx * P[${pi + 1}]]`
      : toWord(cast(load(X, `o2 + idx * P[${pi + 1}]`, x.dtype), x.dtype, out.dtype), out.dtype);
  rt.run(
    `gather:${x.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 3)}
${indexCode(I, 'o0', `P[${pi}]`, E, `P[${pi + 2}]`)}
  var r = 0u;
  if (ok) { r = ${val}; }
  ${O}[o1] = r;
}`,
    b,
    params,
    { threads: numelOf(out.shape), wg: WG },
  );
}

export function indexSelect(rt: Runtime, x: TensorView, dim: number, index: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(index) }, { buf: buf(out), write: true }, { buf: buf(x) }, rt.errors.binding()]);
  const iv: TensorView = {
    ...index,
    shape: out.shape,
    strides: out.shape.map((_, d) => (d === dim ? (index.strides[0] ?? 0) : 0)),
  };
  const params = stridedParams(out.shape, [iv, out, dropDim(x, dim)]);
  const pi = params.length;
  params.push(x.shape[dim]!, x.strides[dim]!, rt.errors.site('indexSelect', dim));
  const [I, O, X, E] = b.names as [string, string, string, string];
  const val =
    x.dtype === out.dtype
      ? `${X}[o2 + idx * P[${pi + 1}]]`
      : toWord(cast(load(X, `o2 + idx * P[${pi + 1}]`, x.dtype), x.dtype, out.dtype), out.dtype);
  rt.run(
    `indexSelect:${x.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 3)}
${indexCode(I, 'o0', `P[${pi}]`, E, `P[${pi + 2}]`)}
  var r = 0u;
  if (ok) { r = ${val}; }
  ${O}[o1] = r;
}`,
    b,
    params,
    { threads: numelOf(out.shape), wg: WG },
  );
}

/** A contiguous copy of `v` in a temporary buffer (freed once the batch is submitted). */
function temp(rt: Runtime, v: TensorView): { view: TensorView; buf: GpuBuf } {
  const n = numelOf(v.shape);
  const t = rt.allocate(n);
  const strides: number[] = [];
  let s = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= v.shape[d]!;
  }
  const view: TensorView = { buffer: t, dtype: v.dtype, shape: v.shape, strides, offset: 0 };
  copy(rt, v, view);
  return { view, buf: t };
}

/**
 * Note [Scatter]
 * One thread per index position; `dst` is bound as `array<atomic<u32>>`. 'add' on
 * int32 is `atomicAdd`; on floats (WGSL has no float atomics) and uint8 a
 * compare-exchange loop on the word; 'assign' is `atomicStore` (with duplicate indices
 * the winner is unspecified, as in PyTorch). Float sums with duplicate indices may
 * round differently from run to run.
 */
export function scatter(rt: Runtime, dst: TensorView, dim: number, index: TensorView, src: TensorView, mode: 'add' | 'assign'): void {
  const temps: GpuBuf[] = [];
  if (buf(src) === buf(dst)) {
    const t = temp(rt, src);
    src = t.view;
    temps.push(t.buf);
  }
  if (buf(index) === buf(dst)) {
    const t = temp(rt, index);
    index = t.view;
    temps.push(t.buf);
  }
  const rank = index.shape.length;
  const b = bind([{ buf: buf(index) }, { buf: buf(src) }, { buf: buf(dst), write: true, atomic: true }, rt.errors.binding()]);
  const params = stridedParams(index.shape, [index, src, dropDim(dst, dim)]);
  const pi = params.length;
  params.push(dst.shape[dim]!, dst.strides[dim]!, rt.errors.site(mode === 'add' ? 'scatterAdd' : 'scatter', dim));
  const [I, S, D, E] = b.names as [string, string, string, string];
  const v = cast(load(S, 'o1', src.dtype), src.dtype, dst.dtype);
  let body: string;
  if (mode === 'assign') body = `atomicStore(&${D}[w], ${toWord('v', dst.dtype)});`;
  else if (dst.dtype === 'int32') body = `atomicAdd(&${D}[w], bitcast<u32>(v));`;
  else if (dst.dtype === 'bool') body = `atomicOr(&${D}[w], v);`;
  else {
    const nv = dst.dtype === 'float32' ? 'bitcast<u32>(bitcast<f32>(old) + v)' : '((old + v) & 0xffu)';
    body = `loop {
      let old = atomicLoad(&${D}[w]);
      let r = atomicCompareExchangeWeak(&${D}[w], old, ${nv});
      if (r.exchanged) { break; }
    }`;
  }
  rt.run(
    `scatter:${mode}:${src.dtype}:${dst.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 3)}
${indexCode(I, 'o0', `P[${pi}]`, E, `P[${pi + 2}]`)}
  if (!ok) { return; }
  let w = o2 + idx * P[${pi + 1}];
  let v = ${v};
  ${body}
}`,
    b,
    params,
    { threads: numelOf(index.shape), wg: WG },
  );
  for (const t of temps) rt.free(t);
}
