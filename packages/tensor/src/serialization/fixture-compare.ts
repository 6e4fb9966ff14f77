import { expect } from 'vitest';
import type { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

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

const LOADS_AS: Record<string, string> = { float16: 'float32', bfloat16: 'float32', int64: 'int32', int16: 'int32', int8: 'int32' };

/** @internal A Python float as the script writes it (`repr`). */
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
    const keys = d.$dict.map(([k]) => (typeof k === 'string' ? k : k !== null && typeof k === 'object' && '$int' in k ? k.$int : JSON.stringify(k)));
    expect(Object.keys(v as object).sort(), at).toEqual([...keys].sort());
    for (let i = 0; i < keys.length; i++) await expectLoadedMatches((v as Record<string, unknown>)[keys[i]!], d.$dict[i]![1], `${path}.${keys[i]}`, groups);
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
