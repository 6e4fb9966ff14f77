import { describe, expect, it } from 'vitest';
import { DTYPES, ITEMSIZE, assertDType, hostArray, isFloating, isIntegral, promoteTypes, resultType } from './dtype.js';
import { DTypeError } from './errors.js';
import { loadFixtures, type PromotionOperand } from './testing/fixtures.js';

const operand = (o: PromotionOperand) => ('scalar' in o ? o.scalar : o);

describe('dtype promotion', () => {
  it('resultType matches torch.result_type for tensors, 0-d tensors and scalars', () => {
    const { promotions } = loadFixtures();
    expect(promotions.length).toBeGreaterThan(100);
    const bad = promotions.filter((p) => resultType([operand(p.a), operand(p.b)]) !== p.result);
    expect(bad.map((p) => `${JSON.stringify(p.a)} + ${JSON.stringify(p.b)} -> ${p.result}, dl ${resultType([operand(p.a), operand(p.b)])}`)).toEqual([]);
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
