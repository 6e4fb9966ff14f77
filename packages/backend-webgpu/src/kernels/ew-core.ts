import type { TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, WG } from '../wgsl.js';
import { stridedCode, stridedParams } from './strided.js';

/**
 * Note [Contiguous elementwise kernels]
 * The general elementwise kernel walks each output index through the shape with a div/mod per
 * dimension and reads every operand through its strides (broadcast = stride 0). When every
 * operand read from memory and the output are contiguous over the output's shape (sizes of 1
 * aside), element `i` of each is word `offset + i`, so the kernel needs no index arithmetic:
 * - `vec4`: when the offsets are multiples of 4 (and the buffers' sizes of 16 bytes, which the
 *   pool's buckets are), each thread loads and stores `vec4<u32>` words and computes 4 elements
 *   (the body unrolled per lane); the last thread of an odd length stores only its live lanes.
 * - `contig`: otherwise one element per thread at `offset + gid`.
 * Operands that are deferred scalar fills come as parameters (Note [Scalars as parameters] in
 * runtime.ts) in every form. The choice is part of the pipeline key; shapes and offsets stay
 * runtime parameters, so each form compiles once per op and dtypes.
 */

/** One elementwise kernel: inputs, output, extra parameter words and the per-element body. */
export interface EwKernel {
  /** pipeline key prefix: the op and its dtypes (whatever changes the WGSL beyond the layout) */
  key: string;
  /** WGSL before the bindings (PRELUDE and helper functions); called on the first compile only */
  head: () => string;
  inputs: readonly TensorView[];
  out: TensorView;
  /** words placed at `P[0]`, `P[1]`… (the body refers to them as `x[i]`) */
  extra?: readonly number[];
  /**
   * The body of one element: `w[i]` is a u32 expression of input `i`'s stored word, `x[i]` of
   * extra word `i`. Returns statements (block-scoped `let`s) and the output's stored word.
   */
  body: (w: readonly string[], x: readonly string[]) => { code: string; word: string };
}

/** Whether `v` is contiguous over `shape` (row-major; dimensions of size 1 may have any stride). */
export function contiguousOver(v: TensorView, shape: readonly number[]): boolean {
  if (v.shape.length !== shape.length) return false;
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    if (v.shape[d] !== n) return false;
    if (n !== 1 && v.strides[d] !== s) return false;
    s *= n;
  }
  return true;
}

/**
 * Dispatch `k` in the cheapest form its operands allow (Note [Contiguous elementwise kernels]).
 *
 * @example
 * // out = x + 1 elementwise on float32 words
 * runElementwise(rt, { key: 'add1:float32', head: () => PRELUDE, inputs: [x], out,
 *   body: (w) => ({ code: '', word: `bitcast<u32>(bitcast<f32>(${w[0]}) + 1.0)` }) });
 */
export function runElementwise(rt: Runtime, k: EwKernel): void {
  const { out, inputs } = k;
  const shape = out.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  const outBuf = out.buffer as GpuBuf;
  const extra = k.extra ?? [];
  // Note [Scalars as parameters]: a deferred fill read by this kernel (and not written by it) is a parameter
  const konst = inputs.map((v) => {
    const b = v.buffer as GpuBuf;
    return rt.fast.scalars && b !== outBuf ? rt.constantOf(b) : null;
  });
  const params: number[] = [...extra];
  const scalarAt: number[] = [];
  for (const c of konst) {
    if (c !== null) {
      scalarAt.push(params.length);
      params.push(c);
    } else scalarAt.push(-1);
  }
  const views: TensorView[] = [];
  inputs.forEach((v, i) => konst[i] === null && views.push(v));
  views.push(out);
  const b = bind(views.map((v, i) => ({ buf: v.buffer as GpuBuf, write: i === views.length - 1 })));
  const contig = rt.fast.contiguous && views.every((v) => contiguousOver(v, shape));
  const vec = contig && rt.fast.vec4 && n >= 16 && views.every((v) => v.offset % 4 === 0) && b.unique.every((u) => u.size % 16 === 0);
  const base = params.length;
  const perThread = rt.fast.vec4PerThread;
  const xs = extra.map((_, i) => `P[${i}]`);
  const mask = konst.map((c) => (c === null ? 't' : 's')).join('');
  const rank = shape.length;
  let key: string;
  let code: () => string;
  let threads = n;
  if (contig) {
    params.push(n);
    for (const v of views) params.push(vec ? v.offset / 4 : v.offset);
    key = `${k.key}:${vec ? `v4x${perThread}` : 'c'}:${mask}:${b.key}`;
    code = () => {
      const out = b.names[views.length - 1]!;
      const off = (j: number) => `P[${base + 1 + j}]`;
      if (!vec) {
        let j = 0;
        const w = inputs.map((_, i) => (scalarAt[i]! >= 0 ? `P[${scalarAt[i]}]` : `${b.names[j]}[${off(j++)} + gid]`));
        const { code, word } = k.body(w, xs);
        return `${k.head()}${b.decl}${entry1d()}
  if (gid >= P[${base}]) { return; }
${code}
  ${out}[${off(views.length - 1)} + gid] = ${word};
}`;
      }
      let loads = '';
      const vname: string[] = [];
      let j = 0;
      inputs.forEach((_, i) => {
        if (scalarAt[i]! >= 0) vname.push('');
        else {
          loads += `    let v${i} = ${b.names[j]}[${off(j)} + q];\n`;
          vname.push(`v${i}`);
          j++;
        }
      });
      let lanes = '';
      for (let c = 0; c < 4; c++) {
        const w = inputs.map((_, i) => (scalarAt[i]! >= 0 ? `P[${scalarAt[i]}]` : `${vname[i]}[${c}]`));
        const { code, word } = k.body(w, xs);
        lanes += `    var r${c}: u32;\n    {\n${code}\n      r${c} = ${word};\n    }\n`;
      }
      const oi = `${out}[oi]`;
      // thread gid handles vectors gid, gid + T, … (T threads: neighbouring threads touch neighbouring words)
      return `${k.head()}${b.decl.replace(/(B\d+): array<u32>/g, '$1: array<vec4<u32>>')}${entry1d()}
  let n = P[${base}];
  let T = P[${base + views.length + 1}];
  for (var t = 0u; t < ${perThread}u; t++) {
    let q = gid + t * T;
    let e = q * 4u;
    if (e >= n) { return; }
${loads}${lanes}    let oi = ${off(views.length - 1)} + q;
    if (e + 4u <= n) {
      ${oi} = vec4<u32>(r0, r1, r2, r3);
    } else {
      ${oi}[0] = r0;
      if (e + 1u < n) { ${oi}[1] = r1; }
      if (e + 2u < n) { ${oi}[2] = r2; }
    }
  }
}`;
    };
    if (vec) {
      threads = Math.ceil(Math.ceil(n / 4) / perThread);
      params.push(threads);
    }
  } else {
    params.push(...stridedParams(shape, views));
    key = `${k.key}:s${rank}:${mask}:${b.key}`;
    code = () => {
      let j = 0;
      const w = inputs.map((_, i) => (scalarAt[i]! >= 0 ? `P[${scalarAt[i]}]` : `${b.names[j]}[o${j++}]`));
      const { code, word } = k.body(w, xs);
      const last = views.length - 1;
      return `${k.head()}${b.decl}${entry1d()}
${stridedCode(rank, views.length, base)}
${code}
  ${b.names[last]}[o${last}] = ${word};
}`;
    };
  }
  rt.run(key, code, b, params, { threads, wg: WG });
}
