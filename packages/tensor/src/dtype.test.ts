import { describe, expect, it } from 'vitest';
import {
  DTYPES,
  DTYPE_NAMES,
  ITEMSIZE,
  assertDType,
  checkIntRange,
  hostArray,
  isDTypeName,
  isFloating,
  isIntegral,
  isUnsupportedDTypeName,
  promoteTypes,
  resultType,
  toDType,
} from './dtype.js';
import { DTypeError } from './errors.js';
import { loadFixtures, type PromotionOperand } from './testing/fixtures.js';

const operand = (o: PromotionOperand) => ('scalar' in o ? o.scalar : o);

describe('dtype promotion', () => {
  it('resultType matches torch.result_type for tensors, 0-d tensors and scalars', () => {
    const { promotions } = loadFixtures();
    expect(promotions.length).toBeGreaterThan(100);
    const bad = promotions.filter((p) => resultType([operand(p.a), operand(p.b)]) !== p.result);
    expect(
      bad.map((p) => `${JSON.stringify(p.a)} + ${JSON.stringify(p.b)} -> ${p.result}, dl ${resultType([operand(p.a), operand(p.b)])}`),
    ).toEqual([]);
  });

  it('promoteTypes is symmetric and climbs the lattice', () => {
    for (const a of DTYPES) for (const b of DTYPES) expect(promoteTypes(a, b)).toBe(promoteTypes(b, a));
    expect(promoteTypes('bool', 'uint8')).toBe('uint8');
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('float32', 'float64')).toBe('float64');
  });

  it('helpers', () => {
    expect(isFloating('float64')).toBe(true);
    expect(isFloating('int32')).toBe(false);
    expect(isIntegral('bool')).toBe(false);
    expect(isIntegral('bool', true)).toBe(true);
    expect(hostArray('bool', 3)).toBeInstanceOf(Uint8Array);
    expect(hostArray('float64', 2).length).toBe(2);
    expect(ITEMSIZE.float64).toBe(8);
    expect(() => assertDType('int64', 'zeros')).toThrow(DTypeError);
    expect(() => assertDType('int64', 'zeros')).toThrow(/zeros.*int64[\s\S]*int32/);
  });
});

describe('dtype names (Note [int64 is int32])', () => {
  it('PyTorch names resolve to stored dtypes', () => {
    expect(['int64', 'long', 'int', 'int32'].map((n) => toDType(n, 'zeros'))).toEqual(['int32', 'int32', 'int32', 'int32']);
    expect([toDType('float', 'to'), toDType('double', 'to'), toDType('byte', 'to'), toDType('bool', 'to')]).toEqual([
      'float32',
      'float64',
      'uint8',
      'bool',
    ]);
    for (const d of DTYPES) expect(toDType(d, 'x')).toBe(d);
    expect(DTYPE_NAMES).toContain('int64');
    expect(isDTypeName('long')).toBe(true);
    expect(isDTypeName('cpu')).toBe(false);
    expect(isUnsupportedDTypeName('bfloat16')).toBe(true);
    expect(toDType('half', 'x')).toBe('float16');
    expect(isUnsupportedDTypeName('webgpu')).toBe(false);
  });

  it('unsupported and misspelled names are DTypeErrors with a hint', () => {
    expect(() => toDType('bfloat16', 'zeros')).toThrow(DTypeError);
    expect(() => toDType('bfloat16', 'zeros')).toThrow(/zeros.*bfloat16[\s\S]*hint: dl has no bfloat16/);
    expect(() => toDType('torch.int64', 'to')).toThrow(/without the 'torch.' prefix/);
    expect(() => toDType('int16', 'to')).toThrow(/int16[\s\S]*'int32'/);
    expect(() => toDType(undefined, 'to')).toThrow(DTypeError);
  });

  it('checkIntRange raises where torch.tensor(..., dtype=) raises', () => {
    // torch.tensor([2**31 - 1, -2**31], dtype=torch.int32) is fine; [1.5] truncates to 1
    expect(() => checkIntRange([2 ** 31 - 1, -(2 ** 31), 1.5, -1.5], 'int32', 't')).not.toThrow();
    // torch.tensor([2147483647.5], dtype=torch.int32) and [255.9] as uint8 raise: the range is checked before truncation
    expect(() => checkIntRange([2 ** 31], 'int32', 't')).toThrow(/2147483648.*int32 without overflow/);
    expect(() => checkIntRange([2147483647.5], 'int32', 't')).toThrow(DTypeError);
    expect(() => checkIntRange([255.9], 'uint8', 't')).toThrow(DTypeError);
    // casts truncate first (C++ defines float -> uint8 for 255.9 -> 255): torch.tensor([255.9, -0.5]).to(torch.uint8) -> [255, 0]
    expect(() => checkIntRange([255.9, -0.5], 'uint8', 'to', 'uint8', { truncateFirst: true })).not.toThrow();
    expect(() => checkIntRange([256], 'uint8', 'to', 'uint8', { truncateFirst: true })).toThrow(DTypeError);
    expect(() => checkIntRange([2 ** 31], 'int32', 't', 'int64')).toThrow(/type int64 without overflow \(dl stores int64 as int32/);
    expect(() => checkIntRange([0, 255, 254.9], 'uint8', 't')).not.toThrow();
    expect(() => checkIntRange([256], 'uint8', 't')).toThrow(DTypeError);
    expect(() => checkIntRange([-1], 'uint8', 't')).toThrow(DTypeError);
    expect(() => checkIntRange([NaN], 'int32', 't')).toThrow(/NaN[\s\S]*floating dtype/);
    expect(() => checkIntRange([NaN, Infinity, 1e300], 'float32', 't')).not.toThrow();
    expect(() => checkIntRange([NaN, 7], 'bool', 't')).not.toThrow();
  });
});
