import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as dl from '../everything.js';
import type { DType } from '../dtype.js';
import { DLError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { fixtureNumber, type FixtureNumber } from './fixtures.js';

/**
 * One step of an input's view recipe, applied to its contiguous base buffer: `permute`,
 * `slice` (dim, start, stop, step: strides and a storage offset), `expand` (stride 0), `view`.
 */
export type ViewStep = ['permute', number[]] | ['slice', number, number, number, number] | ['expand', number[]] | ['view', number[]];

/** An input of a differential case: a base buffer and the view recipe that gives the op's input. */
export interface DiffInput {
  dtype: DType;
  base: { shape: number[]; data: (FixtureNumber | boolean)[] };
  view?: ViewStep[];
}

/**
 * An expected tensor (`data` null: shape and dtype only; `strides`/`offset` for the results of view
 * ops, into the input's base buffer) or a plain value (`allclose`, `equal`).
 */
export type DiffValue =
  | { shape: number[]; dtype: DType; data: (FixtureNumber | boolean)[] | null; strides?: number[]; offset?: number }
  | { scalar: FixtureNumber | boolean };

/**
 * The dl call of a case: `inputs[0].name(...args)` (method), `inputs[0].name` (get),
 * `dl.name(...args)` (fn) or `F.name(...args)` (F). In `args`, `{ $: i }` is input i,
 * `{ $clone: i }` a fresh copy of it, `{ $num: 'NaN' }` a non-finite number and
 * `{ $typed: dtype, data }` a typed array.
 */
export interface DiffCall {
  kind: 'method' | 'get' | 'fn' | 'F';
  name: string;
  args: unknown[];
}

/** One generated case (tools/fixtures/differential.py). */
export interface DiffCase {
  key: string;
  op: string;
  inputs: DiffInput[];
  call: DiffCall;
  /** Expected outputs; absent when torch raised (`error`). */
  out?: DiffValue[];
  error?: string;
  /** Inputs whose gradients are compared, the output weights of the loss and the gradients. */
  gradInputs?: number[];
  weights?: (DiffValue | null)[];
  grads?: (DiffValue | null)[];
  gradError?: string;
  /** The results with float32 denormal inputs flushed to zero (accepted where the device flushes). */
  outFtz?: DiffValue[];
  gradsFtz?: (DiffValue | null)[];
  check?: 'shape';
  /** Why part of torch's result is not compared (a nondeterministic torch kernel). */
  note?: string;
  /** The call reads synchronously: run on devices with `readSync` only. */
  sync?: boolean;
  tol?: { rtol?: number; atol?: number };
}

export interface DiffFixtures {
  torch: string;
  casesPerOp: number;
  ops: string[];
  cases: DiffCase[];
}

let cached: DiffFixtures | null = null;

/**
 * The committed differential cases (gzipped JSON written by `tools/fixtures/differential.py`).
 *
 * @example
 * const { cases } = loadDifferential();
 */
export function loadDifferential(): DiffFixtures {
  if (cached) return cached;
  const candidates = ['./fixtures/differential/cases.json.gz', '../../src/testing/fixtures/differential/cases.json.gz'];
  let lastErr: unknown;
  for (const rel of candidates) {
    try {
      cached = JSON.parse(gunzipSync(readFileSync(new URL(rel, import.meta.url))).toString('utf8')) as DiffFixtures;
      return cached;
    } catch (e) {
      lastErr = e;
    }
  }
  throw new dl.StateError(`loadDifferential: cannot read cases.json.gz (${String(lastErr)})`, {
    op: 'loadDifferential',
    hint:
      'the PyTorch fixtures ship with @dl/tensor (src/testing/fixtures/); ' +
      'this install lacks them: reinstall @dl/tensor (npm/pnpm with no file filtering). ' +
      'In the dl repository, regenerate them with `pnpm fixtures`',
  });
}

/** A known failing case: `device` ('*' for all), case key, the reason. */
export interface KnownFailure {
  device: string;
  key: string;
  reason: string;
  line: number;
}

/**
 * The known-failures list (`fixtures/differential/known-failures.txt`): one line per failing case,
 * `<device|*> <case key> <reason>`; `#` starts a comment.
 *
 * @example
 * parseKnownFailures('cpu sum#03 int32 sum overflows'); // [{ device: 'cpu', key: 'sum#03', … }]
 */
export function parseKnownFailures(text: string): KnownFailure[] {
  const out: KnownFailure[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#(?!\d).*$/, '').trim();
    if (!line) return;
    const m = /^(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) throw new Error(`known-failures.txt:${i + 1}: expected '<device|*> <case key> <reason>', got '${raw}'`);
    out.push({ device: m[1]!, key: m[2]!, reason: m[3]!, line: i + 1 });
  });
  return out;
}

export function loadKnownFailures(): KnownFailure[] {
  for (const rel of ['./fixtures/differential/known-failures.txt', '../../src/testing/fixtures/differential/known-failures.txt']) {
    try {
      return parseKnownFailures(readFileSync(new URL(rel, import.meta.url), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return [];
}

function hostValues(dtype: DType, data: readonly (FixtureNumber | boolean)[]) {
  const arr = dl.hostArray(dtype, data.length);
  for (let i = 0; i < data.length; i++) arr[i] = fixtureNumber(data[i]);
  return arr;
}

/** Rebuild a case input on `device`: the base buffer, then its view recipe. */
export function buildInput(spec: DiffInput, device: string): Tensor {
  let t = dl.tensor(hostValues(spec.dtype, spec.base.data), { dtype: spec.dtype, device }).reshape(spec.base.shape);
  for (const step of spec.view ?? []) {
    switch (step[0]) {
      case 'permute':
        t = t.permute(step[1]);
        break;
      case 'slice': {
        const [, d, start, stop, st] = step;
        const idx = t.shape.map((): string => ':');
        idx[d] = `${start}:${stop}:${st}`;
        t = t.at(...idx);
        break;
      }
      case 'expand':
        t = t.expand(step[1]);
        break;
      case 'view':
        t = t.view(step[1]);
        break;
    }
  }
  return t;
}

/** Turn a call's JSON arguments into values (see {@link DiffCall}). */
export function resolveArgs(v: unknown, inputs: readonly Tensor[]): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveArgs(x, inputs));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$' in o) return inputs[o.$ as number];
    if ('$clone' in o) return inputs[o.$clone as number]!.clone();
    if ('$num' in o) return fixtureNumber(o.$num);
    if ('$typed' in o) return hostValues(o.$typed as DType, o.data as FixtureNumber[]);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveArgs(x, inputs)]));
  }
  return v;
}

/** Functions a call of kind 'F' looks up (`@dl/nn`'s functional namespace, given by the caller). */
export type Functional = Record<string, unknown>;

/** Run a case's dl call; the result flattened to tensors and plain values. */
export async function runCall(
  call: DiffCall,
  inputs: readonly Tensor[],
  functional: Functional | undefined,
): Promise<(Tensor | number | boolean)[]> {
  const args = resolveArgs(call.args, inputs) as unknown[];
  let r: unknown;
  const self = inputs[0] as unknown as Record<string, unknown>;
  if (call.kind === 'get') r = self[call.name];
  else if (call.kind === 'method') r = (self[call.name] as (...a: unknown[]) => unknown).apply(self, args);
  else {
    const ns = (call.kind === 'fn' ? dl : functional) as Record<string, unknown> | undefined;
    if (!ns) throw new Error(`differential: no functional namespace given for F.${call.name}`);
    // a dotted name reaches into a namespace: `linalg.inv` is dl.linalg.inv
    const fn = call.name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], ns);
    if (typeof fn !== 'function') throw new Error(`differential: ${call.kind === 'fn' ? 'dl' : 'F'}.${call.name} is not a function`);
    r = (fn as (...a: unknown[]) => unknown)(...args);
  }
  return flatten(await r);
}

function flatten(r: unknown): (Tensor | number | boolean)[] {
  if (r instanceof dl.Tensor) return [r];
  if (typeof r === 'number' || typeof r === 'boolean') return [r];
  if (Array.isArray(r)) return r.flatMap(flatten);
  if (r && typeof r === 'object' && 'values' in r) {
    const o = r as { values: Tensor; indices?: Tensor; inverse?: Tensor; counts?: Tensor };
    return [o.values, ...(o.indices ? [o.indices] : []), ...(o.inverse ? [o.inverse] : []), ...(o.counts ? [o.counts] : [])];
  }
  throw new Error(`differential: unexpected result ${String(r)}`);
}

/** Is `e` an error dl is meant to throw on bad input (a typed DLError)? */
export function isTypedError(e: unknown): e is DLError {
  return e instanceof DLError;
}
