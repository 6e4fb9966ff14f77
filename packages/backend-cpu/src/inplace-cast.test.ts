import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import './index.js';

// torch's in-place casting rule (Note [In-place casting] in @dl/tensor's ops/inplace.ts): every
// in-place op with an operand, on every dtype, against torch 1.13's result or error
// (tools/fixtures/inplace_cast_fixtures.py writes the fixture).

type Spec = { scalar: number | boolean } | { dtype: dl.DTypeName; data: number | number[]; dim0?: boolean } | Spec[];
interface Case {
  op: string;
  self: string;
  args: Spec[];
  out?: (number | string)[];
  error?: string;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/inplace-cast.json', import.meta.url), 'utf8')) as {
  self: Record<string, number[]>;
  cases: Case[];
};

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
function arg(s: Spec): unknown {
  if (Array.isArray(s)) return s.map(arg);
  if ('scalar' in s) return s.scalar;
  return dl.tensor(s.data, { dtype: s.dtype });
}

/**
 * Where torch raises for a reason other than casting and dl computes anyway: dl's out-of-place op
 * accepts these dtypes or arguments, and the in-place result still fits self, so no casting rule
 * is broken. Each entry matches the case label, with the reason.
 */
const NOT_CASTING: ReadonlyArray<readonly [RegExp, string]> = [
  [/^bool\.abs_\(\)$/, 'dl.abs takes bool (torch: "abs_cpu" not implemented for Bool)'],
  [
    /^bool\.clamp_\((\{"scalar":true\}|\{"dtype":"bool")/,
    'dl.clamp takes bool bounds on bool (torch: "clamp_cpu" not implemented for Bool)',
  ],
  [
    /^(uint8|int32|float32|float64)\.sub_\((\{"scalar":true\}|\{"dtype":"bool")/,
    'dl.sub takes a bool subtrahend beside a number tensor (torch raises "Subtraction … with a bool tensor")',
  ],
  [/^float(32|64)\.hypot_\(\{"scalar"/, 'dl.hypot takes a number operand (torch 1.13: argument other must be Tensor)'],
];

const label = (c: Case): string => `${c.self}.${c.op}(${c.args.map((a) => JSON.stringify(a)).join(', ')})`;

describe('in-place ops follow torch.can_cast(result_type, self.dtype)', () => {
  const cast = fx.cases.filter((c) => c.error?.includes("can't be cast"));
  const fits = fx.cases.filter((c) => c.out);
  const other = fx.cases.filter((c) => c.error && !c.error.includes("can't be cast"));

  it.each(cast.map((c) => [label(c), c] as const))('%s raises a DTypeError as torch', (_l, c) => {
    const x = dl.tensor(fx.self[c.self]!, { dtype: c.self as dl.DTypeName });
    const before = Array.from(x.dataSync());
    let err: unknown;
    try {
      (x as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op]!(...c.args.map(arg));
    } catch (e) {
      err = e;
    }
    expect(dl.DTypeError.isInstance(err), `${label(c)}: torch says "${c.error}"; dl threw ${String(err)}`).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain(c.op);
    expect(msg).toContain(c.self);
    expect(msg).toMatch(/can't be cast|not implemented|not supported/);
    expect(Array.from(x.dataSync())).toEqual(before); // self untouched
  });

  it.each(fits.map((c) => [label(c), c] as const))("%s gives torch's values in self's dtype", (_l, c) => {
    const x = dl.tensor(fx.self[c.self]!, { dtype: c.self as dl.DTypeName });
    const r = (x as unknown as Record<string, (...a: unknown[]) => dl.Tensor>)[c.op]!(...c.args.map(arg));
    expect(r).toBe(x);
    expect(x.dtype).toBe(c.self);
    const got = Array.from(x.dataSync()).map(Number);
    const want = c.out!.map(num);
    for (let i = 0; i < want.length; i++) {
      if (Number.isNaN(want[i])) expect(got[i], label(c)).toBeNaN();
      else expect(got[i], label(c)).toBeCloseTo(want[i]!, 5);
    }
  });

  it.each(other.map((c) => [label(c), c] as const))('%s raises as torch', (_l, c) => {
    const x = dl.tensor(fx.self[c.self]!, { dtype: c.self as dl.DTypeName });
    const call = () => (x as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op]!(...c.args.map(arg));
    if (NOT_CASTING.some(([re]) => re.test(label(c)))) {
      call(); // documented divergence (no cast involved)
      expect(x.dtype).toBe(c.self);
      return;
    }
    expect(call, `torch: ${c.error}`).toThrow(dl.DLError);
  });

  it('names the op, both dtypes and a way out', () => {
    expect(() => dl.tensor([true, false]).add_(1)).toThrow(
      /add_: result type int32 can't be cast to the desired output type bool[\s\S]*hint: use the out-of-place form x = x\.add\(…\)/,
    );
    expect(() => dl.tensor([1, 2], { dtype: 'int32' }).mul_(0.5)).toThrow(
      /mul_: result type float32 can't be cast to the desired output type int32[\s\S]*x\.to\('float32'\)/,
    );
    expect(() => dl.tensor([1, 2], { dtype: 'int32' }).clamp_(0.5, 1)).toThrow(/clamp_: result type float32 can't be cast/);
  });

  it('the same rule holds while autograd records (the copy-of-self path)', () => {
    const w = dl.tensor([1, 2], { requiresGrad: true });
    const b = dl.tensor([true, false]);
    expect(() => b.mul_(w)).toThrow(dl.DTypeError);
    const i = dl.tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add_(w)).toThrow(/add_: result type float32 can't be cast to the desired output type int32/);
  });

  it('out= follows the rule as well', () => {
    const out = dl.tensor([false, false]);
    expect(() => dl.add(dl.tensor([true, false]), 1, { out })).toThrow(/can't be cast to the desired output type bool/);
  });
});
