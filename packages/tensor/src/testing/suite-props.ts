import { expect } from 'vitest';
import fc from 'fast-check';
import * as dl from '../everything.js';
import type { SuiteContext } from './suite.js';

/** Property tests stay small: a few dozen runs of tiny shapes. */
const RUNS = { numRuns: 25, seed: 20240601 };

const sizeArb = fc.integer({ min: 1, max: 4 });
const shapeArb = (maxRank: number) => fc.array(sizeArb, { minLength: 0, maxLength: maxRank });

function rowMajor(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}
function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
/** Multi-index of flat position `p` in a row-major `shape`. */
function unravel(p: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = p % shape[d]!;
    p = Math.floor(p / shape[d]!);
  }
  return idx;
}
const iota = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => (i + 1) * scale);

/** Two shapes that broadcast: take a result shape, then drop leading dims and set some to 1. */
const broadcastPairArb = shapeArb(4).chain((out) =>
  fc.tuple(
    fc.constant(out),
    fc.integer({ min: 0, max: out.length }),
    fc.integer({ min: 0, max: out.length }),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
  ),
);

export function registerProperties(ctx: SuiteContext): void {
  const { device } = ctx;

  ctx.test('broadcasting add/mul/maximum match a JS reference', async () => {
    await fc.assert(
      fc.asyncProperty(broadcastPairArb, async ([out, da, db, oa, ob]) => {
        const sa = out.slice(da).map((s, i) => (oa[i + da] ? 1 : s));
        const sb = out.slice(db).map((s, i) => (ob[i + db] ? 1 : s));
        const va = iota(numel(sa));
        const vb = iota(numel(sb), 0.5);
        const a = dl.tensor(va, { device, dtype: 'float32' }).reshape(sa);
        const b = dl.tensor(vb, { device, dtype: 'float32' }).reshape(sb);
        const rshape = dl.broadcastShapes(sa, sb);
        const ref = (f: (x: number, y: number) => number) =>
          Array.from({ length: numel(rshape) }, (_, p) => {
            const idx = unravel(p, rshape);
            const at = (s: number[], v: number[]) => {
              const lead = rshape.length - s.length;
              const st = rowMajor(s);
              let q = 0;
              s.forEach((n, i) => (q += (n === 1 ? 0 : idx[i + lead]!) * st[i]!));
              return v[q]!;
            };
            return Math.fround(f(at(sa, va), at(sb, vb)));
          });
        const sum = a.add(b);
        expect(sum.shape).toEqual(rshape);
        expect(Array.from(await sum.data())).toEqual(ref((x, y) => x + y));
        expect(Array.from(await b.mul(a).data())).toEqual(ref((x, y) => y * x));
        expect(Array.from(await dl.maximum(a, b).data())).toEqual(ref(Math.max));
      }),
      RUNS,
    );
  });

  ctx.test('permute: values and strides match x[i..] = storage[offset + Σ stride·i]', async () => {
    const arb = shapeArb(4).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([shape, perm]) => {
        const storage = iota(numel(shape));
        const x = dl.tensor(storage, { device, dtype: 'int32' }).reshape(shape);
        const p = x.permute(perm);
        expect(p.shape).toEqual(perm.map((d) => shape[d]));
        expect(p.stride()).toEqual(perm.map((d) => x.stride(d)));
        const vals = await p.data();
        const pc = await p.contiguous().data();
        for (let q = 0; q < vals.length; q++) {
          const idx = unravel(q, p.shape);
          let off = p.storageOffset();
          idx.forEach((k, d) => (off += k * p.stride(d)));
          expect(vals[q]).toBe(storage[off]);
          expect(pc[q]).toBe(storage[off]);
        }
      }),
      RUNS,
    );
  });

  ctx.test('slicing with steps via at(): matches a JS reference, and writes land in the base', async () => {
    const sliceArb = (n: number) =>
      fc.tuple(fc.integer({ min: -n, max: n }), fc.integer({ min: -n, max: n + 1 }), fc.integer({ min: 1, max: 3 }));
    const arb = fc
      .array(sizeArb, { minLength: 1, maxLength: 3 })
      .chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map(sliceArb))));
    await fc.assert(
      fc.asyncProperty(arb, async ([shape, slices]) => {
        const storage = iota(numel(shape));
        const x = dl.tensor(storage, { device, dtype: 'float32' }).reshape(shape);
        const specs = slices.map(([a, b, s]) => `${a}:${b}:${s}`);
        const v = x.at(...specs);
        // Python slice semantics
        const picks = slices.map(([a, b, s], d) => {
          const n = shape[d]!;
          const norm = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
          const out: number[] = [];
          for (let i = norm(a); i < norm(b); i += s) out.push(i);
          return out;
        });
        expect(v.shape).toEqual(picks.map((p) => p.length));
        const st = rowMajor(shape);
        const want: number[] = [];
        const rec = (d: number, off: number) => {
          if (d === shape.length) return void want.push(storage[off]!);
          for (const i of picks[d]!) rec(d + 1, off + i * st[d]!);
        };
        rec(0, 0);
        expect(Array.from(await v.data())).toEqual(want);
        if (v.numel() > 0) {
          v.fill_(-1);
          const after = await x.data();
          expect(Array.from(after).filter((z) => z === -1).length).toBe(v.numel());
        }
      }),
      RUNS,
    );
  });

  ctx.test('view/reshape/flatten/unsqueeze keep row-major order; contiguous views share storage', async () => {
    const arb = shapeArb(4).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(shape, { minLength: shape.length, maxLength: shape.length }),
        fc.integer({ min: 0, max: shape.length }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([shape, other, ud]) => {
        const n = numel(shape);
        const x = dl.tensor(iota(n), { device, dtype: 'float32' }).reshape(shape);
        const v = x.view(other);
        expect(v.shape).toEqual(other);
        expect(Array.from(await v.data())).toEqual(iota(n));
        expect(Array.from(await x.flatten().data())).toEqual(iota(n));
        expect(x.unsqueeze(ud).shape).toEqual([...shape.slice(0, ud), 1, ...shape.slice(ud)]);
        expect(x.unsqueeze(ud).squeeze(ud).shape).toEqual(shape);
        const t = shape.length >= 2 ? x.transpose(0, -1) : x;
        expect(Array.from(await t.reshape(-1).data())).toEqual(Array.from(await t.contiguous().view(-1).data()));
        v.view(-1).at(0).fill_(0);
        expect((await x.data())[0]).toBe(0);
      }),
      RUNS,
    );
  });

  ctx.test('sum over random dims with keepdim matches a JS reference', async () => {
    const arb = fc.array(sizeArb, { minLength: 1, maxLength: 3 }).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.subarray(
          shape.map((_, i) => i),
          { minLength: 1 },
        ),
        fc.boolean(),
        fc.boolean(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([shape, dims, keepdim, negative]) => {
        const n = numel(shape);
        const x = dl.tensor(iota(n), { device, dtype: 'int32' }).reshape(shape);
        const arg = dims.map((d) => (negative ? d - shape.length : d));
        const r = x.sum(arg, { keepdim });
        const kept = shape.map((s, i) => (dims.includes(i) ? 1 : s));
        expect(r.shape).toEqual(keepdim ? kept : shape.filter((_, i) => !dims.includes(i)));
        const want = new Array<number>(numel(kept)).fill(0);
        const kst = rowMajor(kept);
        for (let p = 0; p < n; p++) {
          const idx = unravel(p, shape);
          let q = 0;
          idx.forEach((k, d) => (q += (dims.includes(d) ? 0 : k) * kst[d]!));
          want[q]! += p + 1;
        }
        expect(Array.from(await r.data())).toEqual(want);
      }),
      RUNS,
    );
  });
}
