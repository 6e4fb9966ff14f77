import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import * as root from '../index.js';
import { getAutogradHook } from '../autograd-hook.js';
import { DTYPES, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { fixtureNumber } from './fixtures.js';
import {
  buildInput,
  isTypedError,
  loadDifferential,
  loadKnownFailures,
  runCall,
  type DiffCase,
  type DiffValue,
  type Functional,
} from './differential.js';

/** Options of {@link runDifferentialSuite}. */
export interface DifferentialOptions {
  /** The device under test (registered by importing its backend package). */
  device: string;
  /**
   * `@dl/nn`'s functional namespace (`import { F } from '@dl/nn'`): the `F.*` cases need it.
   * Without it they fail, saying so.
   */
  functional?: Functional;
  /** Float32 tolerance (default `{ rtol: 1e-4, atol: 1e-5 }`; a case's own `tol` wins where larger). */
  tolerance?: { rtol?: number; atol?: number };
  /**
   * The device may flush float32 denormals to zero (WebGPU leaves it to the implementation): a
   * case with denormal inputs also passes with the flushed-input results (Note [Differential tolerances]).
   */
  flushesDenormals?: boolean;
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
}

/**
 * Note [Differential tolerances]
 * Values are compared as the conformance suite does, with these rules:
 *  - NaN positions must match exactly; ±inf must match with their sign; integers and bools
 *    exactly; the sign of a zero is not compared (`-0` equals `0`).
 *  - results of view ops (view, permute, at, narrow, expand, split, …) must have torch's strides
 *    (dims of size 1 aside) and storage offset: a copy where torch returns a view is a failure
 *    (writes would not show through). Empty results are not compared.
 *  - finite floats: `|dl - torch| <= atol + rtol * |torch|`; float32 rtol 1e-4 / atol 1e-5 by
 *    default (a case may carry a looser `tol`, e.g. matmul's sums), float64 rtol 1e-7 / atol 1e-9.
 *  - where torch gives ±inf, dl may give a finite value of the same sign beyond 1e37: the inputs
 *    reach 3e38, and torch overflows an intermediate (`2 * (x - y)` in mseLoss's gradient, a
 *    partial sum) that dl's order of operations keeps in range. The reverse (dl overflows where
 *    torch stays finite) is a failure.
 *  - devices that flush float32 denormals to zero (`flushesDenormals`: webgpu): a case whose inputs
 *    hold denormals (1e-40) passes if dl matches torch either on the inputs as given or on the
 *    inputs with denormals flushed to zero (`outFtz`/`gradsFtz`, computed by the generator). A
 *    denormal *result* is within atol of 0 anyway. Nothing else is relaxed per device.
 *  - cases whose call reads synchronously (`allclose`, `equal`, `unique`, `cpu`, `oneHot` inferring
 *    its class count) run only on devices with synchronous reads; cases needing a dtype the device
 *    lacks (float64 on webgpu) are skipped. Both are counted in the test's output.
 */
/** Beyond this, torch's ±inf may be an overflowed float32 intermediate that dl's order of operations avoids. */
const OVERFLOW = 1e37;

function compareValue(
  actual: Tensor | number | boolean,
  expected: DiffValue,
  tol: { rtol: number; atol: number },
  shapeOnly: boolean,
  read?: Map<Tensor, ArrayLike<number>>,
): Promise<string | null> | string | null {
  if ('scalar' in expected) {
    if (actual instanceof dl.Tensor) return `got a tensor, expected the plain value ${String(expected.scalar)}`;
    const e = fixtureNumber(expected.scalar);
    const a = typeof actual === 'boolean' ? (actual ? 1 : 0) : actual;
    if (typeof expected.scalar === 'boolean' && typeof actual !== 'boolean')
      return `got ${String(actual)}, expected ${String(expected.scalar)} (a boolean)`;
    return (Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))
      ? null
      : `got ${String(actual)}, expected ${String(expected.scalar)}`;
  }
  if (!(actual instanceof dl.Tensor)) return `got ${String(actual)}, expected a tensor`;
  return compareTensor(actual, expected, tol, shapeOnly, read?.get(actual));
}

async function compareTensor(
  actual: Tensor,
  expected: Extract<DiffValue, { shape: number[] }>,
  tol: { rtol: number; atol: number },
  shapeOnly: boolean,
  prefetched?: ArrayLike<number>,
): Promise<string | null> {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((s, i) => s !== expected.shape[i])) {
    return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  }
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (expected.strides && actual.numel() > 0) {
    // a view: same strides (dims of size 1 aside, where any stride is valid) and storage offset
    const st = actual.stride() as number[];
    const off = actual.storageOffset();
    if (expected.strides.some((s, d) => expected.shape[d]! > 1 && s !== st[d]) || off !== expected.offset) {
      return `view layout: strides [${st.join(', ')}] offset ${off}, torch strides [${expected.strides.join(', ')}] offset ${expected.offset} (a copy where torch returns a view?)`;
    }
  }
  if (shapeOnly || !expected.data) return null;
  const data = prefetched ?? (await actual.data());
  const floating = expected.dtype === 'float32' || expected.dtype === 'float64';
  const rtol = expected.dtype === 'float64' ? 1e-7 : tol.rtol;
  const atol = expected.dtype === 'float64' ? 1e-9 : tol.atol;
  for (let i = 0; i < data.length; i++) {
    const a = data[i]!;
    const e = fixtureNumber(expected.data[i]);
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!floating) ok = a === e;
    else if (!Number.isFinite(e)) ok = a === e || (Number.isFinite(a) && Math.abs(a) >= OVERFLOW && Math.sign(a) === Math.sign(e));
    else ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      // a window of 8 values around the first mismatch
      const from = Math.max(0, Math.min(i - 3, data.length - 8));
      const show = (xs: ArrayLike<number | string | boolean>) =>
        (from > 0 ? '…, ' : '') +
        Array.from(xs)
          .slice(from, from + 8)
          .map((v) => (typeof v === 'number' ? +v.toPrecision(6) : v))
          .join(', ') +
        (xs.length > from + 8 ? ', …' : '');
      return `element ${i}: dl ${a}, torch ${e} (dl [${show(data)}] torch [${show(expected.data)}])`;
    }
  }
  return null;
}

function caseDTypes(c: DiffCase): Set<DType> {
  const out = new Set<DType>();
  for (const x of c.inputs) out.add(x.dtype);
  for (const o of c.out ?? []) if ('dtype' in o) out.add(o.dtype);
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && (DTYPES as readonly string[]).includes(v)) out.add(v as DType);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(c.call.args);
  return out;
}

/** What running one case found: null (agrees with torch) or the stage and a description. */
export interface CaseFailure {
  stage: 'build' | 'forward' | 'raises' | 'no-error' | 'gradient' | 'backward';
  detail: string;
}

/**
 * Run one differential case on `device`: rebuild the inputs (layout included), call dl, compare
 * outputs (or the error torch raised: dl must throw a DLError), then gradients of
 * `Σ_k (out_k * w_k).sum()` with respect to `gradInputs`.
 */
export async function runDifferentialCase(c: DiffCase, opts: DifferentialOptions): Promise<CaseFailure | null> {
  const { device } = opts;
  let inputs: Tensor[];
  try {
    inputs = c.inputs.map((s) => buildInput(s, device));
  } catch (e) {
    return { stage: 'build', detail: `building the inputs threw ${String(e).split('\n')[0]}` };
  }
  const wantGrads = !!(c.grads && c.gradInputs && getAutogradHook());
  const read = new Map<Tensor, ArrayLike<number>>();
  if (wantGrads) {
    for (const i of c.gradInputs!) {
      inputs[i] = inputs[i]!.detach();
      inputs[i]!.requiresGrad = true;
    }
  }
  let outs: (Tensor | number | boolean)[];
  try {
    outs = await runCall(c.call, inputs, opts.functional);
    // Read every output here: a device that validates on the device (webgpu: out-of-range indices)
    // raises at the next read, which must belong to this case.
    for (const o of outs) if (o instanceof dl.Tensor) read.set(o, await o.data());
  } catch (e) {
    if (c.error !== undefined)
      return isTypedError(e) ? null : { stage: 'raises', detail: `threw ${describeError(e)}, not a DLError (torch: ${c.error})` };
    return { stage: 'raises', detail: `threw ${describeError(e)}; torch gives a result` };
  }
  if (c.error !== undefined) return { stage: 'no-error', detail: `returned a result; torch raises ${c.error}` };
  const tol = {
    rtol: Math.max(c.tol?.rtol ?? 0, opts.tolerance?.rtol ?? 1e-4),
    atol: Math.max(c.tol?.atol ?? 0, opts.tolerance?.atol ?? 1e-5),
  };
  const ftz = opts.flushesDenormals === true;
  const fwd = await compareAll(outs, c.out!, tol, c.check === 'shape', read);
  if (fwd && !(ftz && c.outFtz && !(await compareAll(outs, c.outFtz, tol, false, read)))) return { stage: 'forward', detail: fwd };
  if (!wantGrads) return null;
  // the loss of the generator: Σ_k (out_k * w_k).sum()
  let loss: Tensor | null = null;
  try {
    for (let k = 0; k < outs.length; k++) {
      const w = c.weights?.[k];
      if (!w || !('shape' in w)) continue;
      const o = outs[k];
      if (!(o instanceof dl.Tensor) || !o.requiresGrad)
        return { stage: 'gradient', detail: `output ${k} does not require grad (torch's does)` };
      const term = o.mul(dl.tensor(Array.from(w.data!, fixtureNumber), { dtype: w.dtype, device }).reshape(w.shape)).sum();
      loss = loss ? loss.add(term) : term;
    }
    if (!loss) return null;
    loss.backward();
    for (const i of c.gradInputs!) {
      const g = inputs[i]!.grad;
      if (g) read.set(g, await g.data()); // errors raised on the device surface here (see above)
    }
  } catch (e) {
    if (c.gradError !== undefined && isTypedError(e)) return null;
    return { stage: 'backward', detail: `backward threw ${describeError(e)}` };
  }
  if (c.gradError !== undefined) return { stage: 'backward', detail: `backward succeeded; torch raises ${c.gradError}` };
  const gradOf = (i: number) => inputs[i]!.grad ?? dl.zerosLike(inputs[i]!);
  const check = async (expected: (DiffValue | null)[]) => {
    for (const i of c.gradInputs!) {
      const e = expected[i];
      if (!e) continue;
      const g = gradOf(i);
      const err = await compareValue(g, e, tol, false, read);
      if (err) return `grad of input ${i}: ${err}`;
    }
    return null;
  };
  const g = await check(c.grads!);
  if (g && !(ftz && c.gradsFtz && !(await check(c.gradsFtz)))) return { stage: 'gradient', detail: g };
  return null;
}

async function compareAll(
  outs: (Tensor | number | boolean)[],
  expected: DiffValue[],
  tol: { rtol: number; atol: number },
  shapeOnly: boolean,
  read: Map<Tensor, ArrayLike<number>>,
): Promise<string | null> {
  if (outs.length !== expected.length) return `${outs.length} outputs, expected ${expected.length}`;
  for (let k = 0; k < outs.length; k++) {
    const err = await compareValue(outs[k]!, expected[k]!, tol, shapeOnly, read);
    if (err) return outs.length > 1 ? `output ${k}: ${err}` : err;
  }
  return null;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split('\n')[0]!.slice(0, 160)}`;
  return String(e);
}

/** Why a case does not run on this device, or null. */
function skipReason(c: DiffCase, device: string): string | null {
  const be = dl.getBackend(device);
  if (c.sync && typeof be.readSync !== 'function') return 'sync read';
  const missing = [...caseDTypes(c)].filter((d) => !be.dtypes.includes(d));
  return missing.length ? `needs ${missing.join(', ')}` : null;
}

/**
 * Register the randomized differential test against PyTorch 1.13 (`tools/fixtures/differential.py`):
 * one vitest test per op of the generator's table, running its cases (forward, errors and
 * gradients) on `options.device`. A case listed in `fixtures/differential/known-failures.txt` for
 * this device (or `*`) must still fail — a fixed case fails the test until its line is removed.
 * Setting `DL_DIFF_REPORT=<file>` appends every failing case as a JSON line (for triage).
 *
 * @example
 * import { F } from '@dl/nn';
 * import '@dl/backend-cpu';
 * runDifferentialSuite({ device: 'cpu', functional: F });
 */
export function runDifferentialSuite(options: DifferentialOptions): void {
  const fx = loadDifferential();
  const known = loadKnownFailures();
  const byOp = new Map<string, DiffCase[]>();
  for (const c of fx.cases) {
    if (!byOp.has(c.op)) byOp.set(c.op, []);
    byOp.get(c.op)!.push(c);
  }
  const report = process.env.DL_DIFF_REPORT;
  describe(`differential vs PyTorch ${fx.torch}: ${options.device}`, () => {
    let previousDefault = 'cpu';
    beforeAll(async () => {
      await options.setup?.();
      await dl.initBackend(options.device);
      // creation cases (`dl.zeros([2])`, `dl.arange(5)`) take no device argument: they run on the default
      previousDefault = dl.getDefaultDevice();
      dl.setDefaultDevice(options.device);
    });
    afterAll(async () => {
      // (the previous default, 'cpu' out of the box, may not be registered: webgpu's test imports no cpu backend)
      if (dl.listDevices().includes(previousDefault)) dl.setDefaultDevice(previousDefault);
      await options.teardown?.();
    });
    for (const op of fx.ops) {
      it(op, async (t) => {
        const knownHere = new Map(
          known
            .filter((k) => (k.device === '*' || k.device === options.device) && k.key.startsWith(`${op}#`))
            .map((k) => [k.key, k.reason]),
        );
        const unexpected: string[] = [];
        const fixed: string[] = [];
        let skipped = 0;
        let ran = 0;
        for (const c of byOp.get(op) ?? []) {
          if (skipReason(c, options.device)) {
            skipped++;
            continue;
          }
          ran++;
          const f = await runDifferentialCase(c, options);
          if (f && report) {
            appendFileSync(
              report,
              `${JSON.stringify({ device: options.device, key: c.key, op, ...f, known: knownHere.has(c.key), call: c.call, torchError: c.error, inputs: c.inputs.map((s) => ({ dtype: s.dtype, base: s.base.shape, view: s.view })) })}\n`,
            );
          }
          if (f && !knownHere.has(c.key)) unexpected.push(`${c.key} [${f.stage}] ${f.detail}`);
          if (!f && knownHere.has(c.key)) fixed.push(`${c.key} (listed: ${knownHere.get(c.key)})`);
        }
        if (skipped) t.annotate?.(`${skipped} cases skipped on ${options.device} (sync read / dtype)`);
        // an op runs at least 20 cases here, or none (a sync-read or float64-only op on an async / float32 device)
        expect(ran === 0 || ran >= 20, `${op}: only ${ran} of its cases run on ${options.device}`).toBe(true);
        expect(
          unexpected,
          `cases of ${op} that disagree with PyTorch on ${options.device} (add to known-failures.txt only with a reason)`,
        ).toEqual([]);
        expect(fixed, `cases of ${op} that now agree with PyTorch on ${options.device}: remove them from known-failures.txt`).toEqual([]);
      });
    }
    it('gradients are checked: autograd is installed', () => {
      // without @dl/autograd imported, backward is unavailable and every gradient check would be skipped
      expect(getAutogradHook(), 'import @dl/autograd (or @dl/nn) in the test file').not.toBeNull();
    });
    it('known-failures.txt names existing cases', () => {
      const keys = new Set(fx.cases.map((c) => c.key));
      expect(known.filter((k) => !keys.has(k.key)).map((k) => `line ${k.line}: ${k.key}`)).toEqual([]);
    });
    it(`every op of the table has at least 20 cases`, () => {
      const few = fx.ops.filter((op) => (byOp.get(op)?.length ?? 0) < 20);
      expect(few).toEqual([]);
    });
    it('every public Tensor method, dl function and F function has differential cases', () => {
      const covered = coveredNames(fx.cases);
      const missing = publicNames(options.functional).filter((n) => !covered.has(n) && !NOT_OPS.has(n));
      expect(
        missing,
        'public ops with no differential case (add a row to tools/fixtures/differential*.py, or an exclusion with its reason)',
      ).toEqual([]);
      const stale = [...NOT_OPS].filter((n) => covered.has(n));
      expect(stale, 'excluded names that do have cases').toEqual([]);
    });
  });
}

/** Names the cases call: `add` (method or getter), `dl.add`, `F.relu`. */
export function coveredNames(cases: readonly DiffCase[]): Set<string> {
  const out = new Set<string>();
  for (const c of cases) {
    const n = c.call.kind === 'fn' ? `dl.${c.call.name}` : c.call.kind === 'F' ? `F.${c.call.name}` : c.call.name;
    out.add(n);
  }
  return out;
}

/** Every public Tensor method/getter, `dl.*` function of the root surface and `F.*` function. */
export function publicNames(functional?: Functional): string[] {
  const names = new Set<string>();
  for (let p = dl.Tensor.prototype as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const n of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, n)!;
      // methods and getters (x.T); data slots such as the `of`/`inPlace` guards of coercion.ts are not ops
      if (!n.startsWith('_') && !(n in Object.prototype) && (typeof d.value === 'function' || d.get)) names.add(n);
    }
  }
  for (const [n, v] of Object.entries(root)) if (typeof v === 'function' && !/^[A-Z]/.test(n)) names.add(`dl.${n}`);
  for (const [n, v] of Object.entries(functional ?? {})) if (typeof v === 'function' && !/^[A-Z]/.test(n)) names.add(`F.${n}`);
  return [...names].sort();
}

/**
 * Public names that are not numeric ops with a PyTorch oracle, each with the reason. Everything
 * else public needs differential cases (the coverage test above).
 */
const NOT_OPS = new Set<string>([
  // reading values, metadata and printing: what the runner uses to compare, not ops
  'data',
  'dataSync',
  'item',
  'itemSync',
  'toArray',
  'toArraySync',
  'tolist',
  'toString',
  'format',
  'dtype',
  'device',
  'shape',
  'strides',
  'offset',
  'dim',
  'ndim',
  'numel',
  'size',
  'stride',
  'storageOffset',
  'isContiguous',
  'elementSize',
  'isDisposed',
  'dispose',
  'isLeaf',
  'gradFn',
  'grad',
  'requiresGrad',
  // storage and zero-copy host views: memory identity, not values (tested beside storage-view.ts)
  'storage',
  'numpy',
  'asTypedArray',
  'dataPtr',
  // printing options
  'dl.setPrintOptions',
  'dl.getPrintOptions',
  // autograd plumbing (gradients are checked through every case's backward)
  'backward',
  'retainGrad',
  'retainsGrad',
  'registerHook',
  'requiresGrad_',
  'detach_',
  // device moves: toAsync is `to` with an await (covered by `to`/`cpu`)
  'toAsync',
  // dtype promotion helpers: checked against torch.result_type by the conformance fixtures
  'dl.promoteTypes',
  'dl.resultType',
  'dl.assertDType',
  'dl.toDType', // a dtype name to its DType object (not a tensor op; dtype.test.ts checks it)
  // float16: number ↔ half-bit helpers and the cast (checked bit for bit against torch in float16.test.ts on every device)
  'dl.floatToHalfBits',
  'dl.halfBitsToFloat',
  'dl.roundToHalf',
  'half',
  'dl.isFloating',
  'dl.isIntegral',
  'dl.broadcastShapes',
  'dl.fmtShape',
  // host buffers, devices, memory, profiling, random state, serialization: no numeric output to diff
  'dl.hostArray',
  'dl.hostCtor',
  'dl.fromHost',
  'dl.initBackend',
  'dl.listDevices',
  'dl.getDefaultDevice',
  'dl.setDefaultDevice',
  'dl.tidy',
  'dl.keep',
  'dl.memory',
  'dl.endStep',
  'dl.profile',
  'dl.profileAsync',
  'dl.recordFunction',
  'dl.isProfiling',
  'dl.manualSeed',
  'dl.save',
  'dl.load',
  'dl.pyFloat',
]);
