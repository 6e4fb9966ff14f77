import { expect } from 'vitest';
import type { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { PyFloat as PyFloatLike } from './py-values.js';

/** @internal How tools/fixtures/serialization_fixtures.py describes a Python value. */
export type Desc =
  | null
  | boolean
  | string
  | { $int: string }
  | { $float: string }
  | { $bytes: number[] }
  | { $tuple: Desc[] }
  | { $list: Desc[] }
  | { $set: Desc[] }
  | { $dict: [Desc, Desc][] }
  | { $tensor: TensorDesc };

/** @internal A tensor as the fixture script describes it. */
export interface TensorDesc {
  dtype: string;
  shape: number[];
  stride: number[];
  offset: number;
  storage: number;
  storageNumel: number;
  requiresGrad: boolean;
  values: (number | string)[];
}

const LOADS_AS: Record<string, string> = { bfloat16: 'float32', int64: 'int32', int16: 'int32', int8: 'int32' };

/**
 * @internal A Python float as the script writes it (`repr`).
 *
 * @example
 * pyFloat('inf'); // Infinity
 */
export function pyFloat(s: string): number {
  return s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s);
}

function num(v: number | string): number {
  return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

/**
 * @internal Check that what dl loaded matches what PyTorch described: values, dtypes (as dl loads
 * them), shapes, strides, offsets, and storage sharing (two tensors share a dl Storage exactly
 * when they shared one in PyTorch).
 *
 * @example
 * await expectLoadedMatches(await dl.load(bytes), json('torch-state.json'));
 */
export async function expectLoadedMatches(v: unknown, d: Desc, path = '', groups = new Map<number, Storage>()): Promise<void> {
  const at = path || '(root)';
  if (d === null || typeof d === 'boolean' || typeof d === 'string') {
    expect(v, at).toBe(d);
    return;
  }
  if ('$int' in d) {
    const n = BigInt(d.$int);
    expect(v, at).toBe(Number.isSafeInteger(Number(n)) ? Number(n) : n);
  } else if ('$float' in d) {
    expect(v, at).toBe(pyFloat(d.$float));
  } else if ('$bytes' in d) {
    expect(v, at).toBeInstanceOf(Uint8Array);
    expect([...(v as Uint8Array)], at).toEqual(d.$bytes);
  } else if ('$tuple' in d || '$list' in d) {
    const items = '$tuple' in d ? d.$tuple : d.$list;
    expect(Array.isArray(v), at).toBe(true);
    expect((v as unknown[]).length, at).toBe(items.length);
    for (let i = 0; i < items.length; i++) await expectLoadedMatches((v as unknown[])[i], items[i]!, `${path}.${i}`, groups);
  } else if ('$set' in d) {
    expect(v, at).toBeInstanceOf(Set);
    expect((v as Set<unknown>).size, at).toBe(d.$set.length);
  } else if ('$dict' in d) {
    expect(typeof v, at).toBe('object');
    const keys = d.$dict.map(([k]) =>
      typeof k === 'string' ? k : k !== null && typeof k === 'object' && '$int' in k ? k.$int : JSON.stringify(k),
    );
    expect(Object.keys(v as object).sort(), at).toEqual([...keys].sort());
    for (let i = 0; i < keys.length; i++)
      await expectLoadedMatches((v as Record<string, unknown>)[keys[i]!], d.$dict[i]![1], `${path}.${keys[i]}`, groups);
  } else {
    const td = d.$tensor;
    expect(v, at).toBeInstanceOf(Tensor);
    const t = v as Tensor;
    expect(t.dtype, `${at} dtype`).toBe(LOADS_AS[td.dtype] ?? td.dtype);
    expect([...t.shape], `${at} shape`).toEqual(td.shape);
    expect(t.stride(), `${at} stride`).toEqual(td.stride);
    expect(t.storageOffset(), `${at} offset`).toBe(td.offset);
    expect(t._storage.numel, `${at} storage size`).toBe(td.storageNumel);
    expect(t.requiresGrad, `${at} requiresGrad`).toBe(td.requiresGrad);
    const seen = groups.get(td.storage);
    if (seen) expect(t._storage === seen, `${at} shares storage ${td.storage}`).toBe(true);
    else {
      for (const [g, s] of groups) expect(s === t._storage, `${at} must not share storage ${g}`).toBe(false);
      groups.set(td.storage, t._storage);
    }
    expect([...(await t.data())].map(Number), `${at} values`).toEqual(td.values.map(num));
  }
}

/**
 * @internal Check that what PyTorch read from a dl-written file is what dl saved: tensors with
 * their dtype (int32 as int64 when `int64`), layout, sharing, values and requires_grad; numbers
 * as Python ints or floats by Note [Python ints and floats]; records as dicts (canonical integer
 * keys as int keys), arrays as lists.
 *
 * @example
 * await expectSavedMatches(obj, report['dl-tensors.pt'].value);
 */
export async function expectSavedMatches(
  v: unknown,
  d: Desc,
  opts: { int64?: boolean } = {},
  path = '',
  groups = new Map<number, Storage>(),
): Promise<void> {
  const at = path || '(root)';
  if (v === null || typeof v === 'boolean' || typeof v === 'string') {
    expect(d, at).toBe(v);
    return;
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'bigint' || (Number.isSafeInteger(v) && !Object.is(v, -0)))
      expect(d, `${at} is a Python int`).toEqual({ $int: String(v) });
    else {
      expect(d !== null && typeof d === 'object' && '$float' in d, `${at} is a Python float`).toBe(true);
      expect(pyFloat((d as { $float: string }).$float), at).toBe(v);
    }
    return;
  }
  if (v instanceof PyFloatLike) {
    expect(pyFloat((d as { $float: string }).$float), `${at} is a Python float`).toBe(v.value);
    return;
  }
  if (v instanceof Tensor) {
    const td = (d as { $tensor: TensorDesc }).$tensor;
    expect(td, `${at} is a tensor`).toBeDefined();
    expect(td.dtype, `${at} dtype`).toBe(v.dtype === 'int32' && opts.int64 ? 'int64' : v.dtype);
    expect(td.shape, `${at} shape`).toEqual([...v.shape]);
    expect(td.stride, `${at} stride`).toEqual(v.stride());
    expect(td.offset, `${at} offset`).toBe(v.storageOffset());
    expect(td.storageNumel, `${at} storage size`).toBe(v._storage.numel);
    expect(td.requiresGrad, `${at} requiresGrad`).toBe(v.requiresGrad);
    const seen = groups.get(td.storage);
    if (seen) expect(seen === v._storage, `${at} shares storage ${td.storage}`).toBe(true);
    else {
      for (const [g, s] of groups) expect(s === v._storage, `${at} must not share torch storage ${g}`).toBe(false);
      groups.set(td.storage, v._storage);
    }
    expect(td.values.map(num), `${at} values`).toEqual([...(await v.data())].map(Number));
    return;
  }
  if (Array.isArray(v)) {
    const items = (d as { $list: Desc[] }).$list;
    expect(items, `${at} is a list`).toBeDefined();
    expect(items.length, at).toBe(v.length);
    for (let i = 0; i < v.length; i++) await expectSavedMatches(v[i], items[i]!, opts, `${path}.${i}`, groups);
    return;
  }
  const entries = (d as { $dict: [Desc, Desc][] }).$dict;
  expect(entries, `${at} is a dict`).toBeDefined();
  const obj = Object.entries(v as object);
  expect(entries.length, `${at} keys`).toBe(obj.length);
  for (let i = 0; i < obj.length; i++) {
    const [k, x] = obj[i]!;
    expect(entries[i]![0], `${at} key ${k}`).toEqual(/^(0|-?[1-9][0-9]*)$/.test(k) ? { $int: k } : k);
    await expectSavedMatches(x, entries[i]![1], opts, `${path}.${k}`, groups);
  }
}
