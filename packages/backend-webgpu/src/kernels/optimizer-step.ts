/**
 * The multi-tensor optimizer step on WebGPU (`FusedKernels.optimizerStep`; Note [Fused optimizer
 * step] in @dl/tensor's ops/foreach.ts).
 *
 * Note [Fused optimizer step on WebGPU]
 * The per-tensor path runs 2–10 elementwise kernels per parameter (Adam: ten, with temporaries);
 * this runs one dispatch per chunk of parameters. Every tensor has a GPU buffer of its own (the
 * pool allocates one per tensor), so a chunk binds the param, grad and state buffers of as many
 * parameters as the device's storage-buffer limit allows (`maxStorageBuffersPerShaderStage`, less
 * the parameter arena: with the 16 of most devices, 3 Adam parameters, 5 SGD-with-momentum, 7
 * plain SGD; with WebGPU's default 8, at least 1). The chunk's threads cover its parameters back to
 * back, four consecutive elements each (the table is read once for four); a table in `P` gives
 * each parameter its end thread, numel, its views' offsets, a flag (SGD: the
 * momentum buffer is new) and its eight float32 scalars (Adam's bias corrections and Adagrad's
 * decayed rate depend on the parameter's own step count), so parameters of any sizes and step
 * counts share one pipeline per update rule, option set and chunk size. Each element is read
 * once and written once, with the float32 operations of the per-tensor path (optim's
 * `updateGroup`) in its order, as the cpu backend's wasm loops (`optim-kernel.ts` there):
 *
 *   sgd:     d = ±g (+ p*wd);  buf = first ? d : buf*mom + d*(1-damp);  d = nesterov ? d + buf*mom : buf;  p = p + d*(-lr)
 *   adam:    d = ±g;  p = p*(1-lr*wd) [AdamW] or d = d + p*wd [Adam];  m = m*b1 + d*(1-b1);  v = v*b2 + (d*d)*(1-b2);
 *            [amsgrad: mx = max(mx, v)];  p = p + (m / (sqrt(v or mx)/bc2sqrt + eps))*(-lr/bc1)
 *   rmsprop: d = ±g (+ p*wd);  sq = sq*a + (d*d)*(1-a);  [centered: ga = ga*a + d*(1-a); sq' = sq + -(ga*ga)];
 *            q = d / (sqrt(sq') + eps);  [momentum: buf = buf*mom + q; q = buf];  p = p + q*(-lr)
 *   adagrad: d = ±g (+ p*wd);  sum = sum + d*d;  p = p + (d / (sqrt(sum) + eps))*(-lr/(1+(step-1)*decay))
 *
 * WGSL's division and square root need not be correctly rounded (nor are the per-tensor path's
 * kernels on this device), and a compiler may contract a multiply-add, so values agree with the
 * cpu backend to float32 tolerance, not bit for bit.
 *
 * @example
 * if (!optimizerStep(rt, step, steps, params, grads, states)) runPerTensorOps();
 */
import type { OptimizerStep, OptimizerSteps, TensorView } from '@dl/tensor/backend';
import { bind, f32bits, type BindReq, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE } from '../wgsl.js';

/** Words per parameter in the table: end thread, numel, five offsets, flag, eight scalars. */
const ROW = 16;
/** Consecutive elements per thread (the table's loads are made once for them). */
const PER_THREAD = 4;
/** Most parameters one dispatch takes (devices with many storage bindings). */
const MAX_CHUNK = 16;

/** The number of state tensors a step of `s` reads and writes (OptimizerStep's doc). */
function stateCount(s: OptimizerStep): number {
  switch (s.kind) {
    case 'sgd':
      return s.momentum === 0 ? 0 : 1;
    case 'adam':
      return s.amsgrad ? 3 : 2;
    case 'rmsprop':
      return 1 + (s.momentum > 0 ? 1 : 0) + (s.centered ? 1 : 0);
    default:
      return 1;
  }
}

/** The eight scalars and the flag of one parameter at step count `t`. */
function scalars(s: OptimizerStep, t: number): { flag: number; k: number[] } {
  switch (s.kind) {
    case 'sgd':
      return { flag: t <= 1 ? 1 : 0, k: [s.weightDecay, s.momentum, 1 - s.dampening, -s.lr, 0, 0, 0, 0] };
    case 'rmsprop':
      return { flag: 0, k: [s.weightDecay, s.alpha, 1 - s.alpha, s.eps, s.momentum, -s.lr, 0, 0] };
    case 'adagrad':
      return { flag: 0, k: [s.weightDecay, s.eps, -(s.lr / (1 + (t - 1) * s.lrDecay)), 0, 0, 0, 0, 0] };
    default: {
      const bc1 = 1 - s.beta1 ** t;
      const k0 = s.decoupled ? 1 - s.lr * s.weightDecay : s.weightDecay;
      return { flag: 0, k: [k0, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, Math.sqrt(1 - s.beta2 ** t), s.eps, -s.lr / bc1] };
    }
  }
}

/** The option set: the part of the pipeline key that changes the WGSL body. */
function variant(s: OptimizerStep): string {
  const b = (x: boolean) => (x ? '1' : '0');
  switch (s.kind) {
    case 'sgd':
      return `sgd${b(s.maximize)}${b(s.weightDecay !== 0)}${b(s.momentum !== 0)}${b(s.momentum !== 0 && s.nesterov)}`;
    case 'adam':
      return `adam${b(s.maximize)}${b(!s.decoupled && s.weightDecay !== 0)}${b(s.decoupled)}${b(s.amsgrad)}`;
    case 'rmsprop':
      return `rmsprop${b(s.maximize)}${b(s.weightDecay !== 0)}${b(s.momentum > 0)}${b(s.centered)}`;
    default:
      return `adagrad${b(s.maximize)}${b(s.weightDecay !== 0)}`;
  }
}

/**
 * WGSL statements updating element `i` of one parameter whose table row starts at word `q`;
 * `v[0]` is the param's binding, `v[1]` the grad's, then the states'.
 */
function body(s: OptimizerStep, v: readonly string[]): string {
  const at = (n: number) => `${v[n]}[o${n} + i]`;
  const ld = (n: number) => `bitcast<f32>(${at(n)})`;
  const st = (n: number, x: string) => `${at(n)} = bitcast<u32>(${x});`;
  const k = (n: number) => `k${n}`;
  let c = `var d = ${s.maximize ? '-' : ''}${ld(1)};\n    var x = ${ld(0)};\n`;
  const wd = (on: boolean) => (on ? `    d = d + x * ${k(0)};\n` : '');
  if (s.kind === 'sgd') {
    c += wd(s.weightDecay !== 0);
    if (s.momentum !== 0) {
      c += `    var bf = d;\n    if (fl == 0u) { bf = ${ld(2)} * ${k(1)} + d * ${k(2)}; }\n    ${st(2, 'bf')}\n`;
      c += s.nesterov ? `    d = d + bf * ${k(1)};\n` : '    d = bf;\n';
    }
    c += `    ${st(0, `x + d * ${k(3)}`)}`;
  } else if (s.kind === 'adam') {
    if (s.decoupled) c += `    x = x * ${k(0)};\n`;
    else c += wd(s.weightDecay !== 0);
    c += `    let m = ${ld(2)} * ${k(1)} + d * ${k(2)};\n    ${st(2, 'm')}\n`;
    c += `    var w = ${ld(3)} * ${k(3)} + (d * d) * ${k(4)};\n    ${st(3, 'w')}\n`;
    if (s.amsgrad) c += `    w = fmax_nan(${ld(4)}, w);\n    ${st(4, 'w')}\n`;
    c += `    ${st(0, `x + (m / (sqrt(w) / ${k(5)} + ${k(6)})) * ${k(7)}`)}`;
  } else if (s.kind === 'rmsprop') {
    c += wd(s.weightDecay !== 0);
    c += `    var sq = ${ld(2)} * ${k(1)} + (d * d) * ${k(2)};\n    ${st(2, 'sq')}\n`;
    const ga = s.momentum > 0 ? 4 : 3;
    if (s.centered) c += `    let ga = ${ld(ga)} * ${k(1)} + d * ${k(2)};\n    ${st(ga, 'ga')}\n    sq = sq + -(ga * ga);\n`;
    c += `    var u = d / (sqrt(sq) + ${k(3)});\n`;
    if (s.momentum > 0) c += `    u = ${ld(3)} * ${k(4)} + u;\n    ${st(3, 'u')}\n`;
    c += `    ${st(0, `x + u * ${k(5)}`)}`;
  } else {
    c += wd(s.weightDecay !== 0);
    c += `    let sm = ${ld(2)} + d * d;\n    ${st(2, 'sm')}\n`;
    c += `    ${st(0, `x + (d / (sqrt(sm) + ${k(1)})) * ${k(2)}`)}`;
  }
  return c;
}

/**
 * `WebGPUBackend.optimizerStep` (Note [Fused optimizer step on WebGPU]): false, having queued
 * nothing, when a view is not float32 or a parameter's state count is not its rule's.
 */
export function optimizerStep(
  rt: Runtime,
  step: OptimizerStep,
  steps: OptimizerSteps,
  params: TensorView[],
  grads: TensorView[],
  states: TensorView[][],
): boolean {
  const nState = stateCount(step);
  const numel = (v: TensorView) => v.shape.reduce((a, b) => a * b, 1);
  const live: number[] = [];
  for (let i = 0; i < params.length; i++) {
    const views = [params[i]!, grads[i]!, ...states[i]!];
    if (states[i]!.length !== nState || views.some((v) => v.dtype !== 'float32')) return false;
    const n = numel(params[i]!);
    if (views.some((v) => numel(v) !== n)) return false;
    if (n > 0) live.push(i);
  }
  const perParam = 2 + nState;
  // the arena `P` takes one storage binding; at most MAX_CHUNK parameters (a bounded kernel and table)
  const slots = Math.min(rt.limits.maxStorageBuffersPerShaderStage, rt.limits.maxBindingsPerBindGroup) - 1;
  const chunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor(slots / perParam)));
  const key = variant(step);
  for (let c0 = 0; c0 < live.length; c0 += chunk) {
    const ids = live.slice(c0, c0 + chunk);
    const reqs: BindReq[] = [];
    const table: number[] = [0];
    let end = 0;
    for (const i of ids) {
      const views = [params[i]!, grads[i]!, ...states[i]!];
      views.forEach((v, s) => reqs.push({ buf: v.buffer as GpuBuf, write: s !== 1 }));
      const n = numel(params[i]!);
      end += Math.ceil(n / PER_THREAD);
      const { flag, k } = scalars(step, steps[i]!);
      const offs = views.map((v) => v.offset);
      while (offs.length < 5) offs.push(0);
      table.push(end, n, ...offs, flag, ...k.map(f32bits));
    }
    table[0] = end;
    const b = bind(reqs);
    const code = () => {
      let src = `${PRELUDE}${b.decl}${entry1d(256)}
  if (gid >= P[0]) { return; }
`;
      ids.forEach((_, j) => {
        const names = b.names.slice(j * perParam, (j + 1) * perParam);
        const start = j === 0 ? '0u' : `P[${1 + (j - 1) * ROW}]`;
        src += `  ${j === 0 ? '' : 'else '}if (gid < P[${1 + j * ROW}]) {
    let q = ${1 + j * ROW}u;
    let n = P[q + 1u];
    let i0 = (gid - ${start}) * ${PER_THREAD}u;
${Array.from({ length: perParam }, (_, s) => `    let o${s} = P[q + ${2 + s}u];\n`).join('')}    let fl = P[q + 7u];
${Array.from({ length: 8 }, (_, s) => `    let k${s} = bitcast<f32>(P[q + ${8 + s}u]);\n`).join('')}    for (var e = 0u; e < ${PER_THREAD}u; e++) {
    let i = i0 + e;
    if (i >= n) { break; }
    ${body(step, names)}
    }
  }
`;
      });
      return `${src}}`;
    };
    rt.run(`optimizerStep:${key}:${ids.length}:${b.key}`, code, b, table, { threads: end, wg: 256 });
  }
  return true;
}
