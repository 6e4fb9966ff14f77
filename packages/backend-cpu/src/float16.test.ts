/**
 * float16 on cpu against PyTorch 1.13 (tools/fixtures/float16_fixtures.py; Note [float16 compute]):
 * half bits in a Uint16Array, exact casts to and from every dtype, ops computed in float32 and
 * rounded once (within a half ulp or two of torch: float32 summation order), the fused optimizer
 * step declining, and save/load keeping float16 (torch's `HalfStorage`, safetensors `F16`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import './index.js';

interface HalfT {
  shape: number[];
  bits: number[];
}
type Fx = Record<string, Record<string, unknown>>;
// the fixture file lives with the webgpu float16 tests (one generator, one file)
const fx = JSON.parse(readFileSync(new URL('../../backend-webgpu/src/fixtures/float16.json', import.meta.url), 'utf8')) as Fx;

const vals = (bits: readonly number[]): number[] => bits.map((b) => dl.halfBitsToFloat(b));
const half = (h: HalfT): Tensor => dl.tensor(vals(h.bits), { dtype: 'float16' }).reshape(h.shape);
const ulp = (v: number): number => (v === 0 || !Number.isFinite(v) ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10));
const bitsOf = (t: Tensor): number[] => {
  const c = t.contiguous();
  return Array.from(c._storage.backend.readSync!(c._storage.buffer, 'float16', c.storageOffset(), c.numel()));
};

function closeHalf(t: Tensor, bits: readonly number[], ulps: number, what: string): void {
  expect(t.dtype, what).toBe('float16');
  const got = Array.from(t.dataSync());
  const want = vals(bits);
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(got[i]!) : got[i] === w || Math.abs(got[i]! - w) <= ulps * ulp(w);
    if (!ok) throw new Error(`${what}: element ${i} is ${got[i]}, torch ${w} (tolerance ${ulps} half ulps)`);
  }
}

describe('float16 on cpu matches PyTorch 1.13', () => {
  it('stores Uint16Array bits rounded as torch, from numbers, typed arrays and casts', () => {
    const c = fx.conversion as { values: unknown[]; bits: number[] };
    const values = c.values.map(Number);
    expect(bitsOf(dl.tensor(values, { dtype: 'float16' }))).toEqual(c.bits);
    expect(bitsOf(dl.tensor(values).half())).toEqual(c.bits);
    expect(bitsOf(dl.tensor(values, { dtype: 'float64' }).half())).toEqual(c.bits);
    expect(bitsOf(dl.fromArray(Float32Array.from(values), undefined, { dtype: 'half' }))).toEqual(c.bits);
    expect(bitsOf(dl.full([3], 0.1, { dtype: 'float16' }))).toEqual([0x2e66, 0x2e66, 0x2e66]);
    const x = dl.tensor(values, { dtype: 'float16' });
    expect(x._storage.buffer).toBeInstanceOf(Uint16Array);
    expect(x.dataSync()).toBeInstanceOf(Float32Array);
    const view = x.numpy(); // zero-copy: the bits, shared both ways
    expect(Array.from(view)).toEqual(c.bits);
    view[0] = 0x3c00;
    expect(x.dataSync()[0]).toBe(1);
  });

  it('casts to and from every dtype exactly as torch', () => {
    const c = fx.casts as {
      src: HalfT;
      float32: number[];
      int32: number[];
      uint8: number[];
      bool: boolean[];
      fromInt: number[];
      fromIntBits: number[];
    };
    const s = half(c.src);
    expect(s.float().toArraySync()).toEqual(c.float32);
    expect(s.double().toArraySync()).toEqual(c.float32);
    expect(s.int().toArraySync()).toEqual(c.int32);
    expect(s.narrow(0, 0, 9).abs().to('uint8').toArraySync()).toEqual(c.uint8);
    expect(() => s.to('uint8')).toThrow(dl.DTypeError); // 65504 does not fit (Note [int64 is int32])
    expect(s.bool().toArraySync()).toEqual(c.bool);
    expect(bitsOf(dl.tensor(c.fromInt, { dtype: 'int32' }).half())).toEqual(c.fromIntBits);
    expect(bitsOf(dl.tensor([true, false]).half())).toEqual([0x3c00, 0]);
    expect(bitsOf(s.t === undefined ? s : s.reshape(2, 5).t().half())).toEqual(bitsOf(s.reshape(2, 5).t().contiguous()));
  });

  it('elementwise, scalars, comparisons, where and promotion compute in float32 and round once', () => {
    const e = fx.elementwise as Record<string, unknown> & { a: HalfT; b: HalfT; pos: HalfT };
    const a = half(e.a);
    const b = half(e.b);
    const pos = half(e.pos);
    const un = e.unary as Record<string, number[]>;
    const ops: Record<string, (x: Tensor) => Tensor> = {
      relu: (x) => x.relu(),
      sigmoid: (x) => x.sigmoid(),
      tanh: (x) => x.tanh(),
      exp: (x) => x.exp(),
      neg: (x) => x.neg(),
      abs: (x) => x.abs(),
      sqrt: (x) => x.sqrt(),
      log: (x) => x.log(),
    };
    for (const [k, f] of Object.entries(ops)) closeHalf(f(k === 'sqrt' || k === 'log' ? pos : a), un[k]!, 1, k);
    const bin = e.binary as Record<string, number[]>;
    closeHalf(a.add(b), bin.add!, 0, 'add');
    closeHalf(a.sub(b), bin.sub!, 0, 'sub');
    closeHalf(a.mul(b), bin.mul!, 0, 'mul');
    closeHalf(a.div(pos), bin.div!, 0, 'div');
    closeHalf(dl.maximum(a, b), bin.maximum!, 0, 'maximum');
    const sc = e.scalar as Record<string, number[]>;
    closeHalf(a.add(0.1), sc.add!, 0, 'a + 0.1');
    closeHalf(a.mul(3), sc.mul!, 0, 'a * 3');
    closeHalf(dl.sub(1, a), sc.rsub!, 0, '1 - a');
    const cmp = e.compare as Record<string, boolean[][]>;
    expect(a.gt(b).toArraySync()).toEqual(cmp.gt);
    expect(a.le(b).toArraySync()).toEqual(cmp.le);
    expect(a.eq(a.flip(0)).toArraySync()).toEqual(cmp.eq);
    closeHalf(dl.where(a.gt(b), a, b), e.where as number[], 0, 'where');
    expect(a.add(b.float()).toArraySync()).toEqual(e.addFloat32);
    closeHalf(a.add(dl.arange(24, { dtype: 'int32' }).reshape(4, 6)), e.addInt32 as number[], 0, 'half + int32');
    const y = a.clone();
    y.mul_(b);
    closeHalf(y, bin.mul!, 0, 'mul_ in place');
  });

  it('reductions, softmax, matmul and bmm accumulate in float32', () => {
    const r = fx.reductions as Record<string, number[]> & { x: HalfT };
    const x = half(r.x);
    closeHalf(x.sum(), r.sum!, 1, 'sum');
    closeHalf(x.sum(1), r.sum1!, 1, 'sum(1)');
    closeHalf(x.mean(0), r.mean0!, 1, 'mean(0)');
    closeHalf(x.amax(1), r.max1!, 0, 'max(1)');
    closeHalf(x.min(), r.min!, 0, 'min');
    expect(x.argmax(1).toArraySync()).toEqual(r.argmax1);
    closeHalf(x.softmax(1), r.softmax1!, 1, 'softmax');
    closeHalf(x.logSoftmax(1), r.logSoftmax1!, 1, 'logSoftmax');
    const m = fx.matmul as Record<string, number[]> & { a: HalfT; b: HalfT; ba: HalfT; bb: HalfT };
    closeHalf(half(m.a).matmul(half(m.b)), m.mm!, 1, 'mm');
    closeHalf(dl.bmm(half(m.ba), half(m.bb)), m.bmm!, 1, 'bmm');
  });

  it("loads torch's HalfStorage as float16 and saves float16 back (pt and safetensors)", async () => {
    const p = fx.pt as { b64: string; shape: number[]; bits: number[] };
    const sd = await dl.load<Record<string, Tensor>>(Uint8Array.from(Buffer.from(p.b64, 'base64')));
    expect(sd.h!.dtype).toBe('float16');
    expect(sd.h!.shape).toEqual(p.shape);
    expect(bitsOf(sd.h!)).toEqual(p.bits);
    for (const format of ['pt', 'safetensors'] as const) {
      const back = await dl.load<Record<string, Tensor>>(await dl.save({ h: sd.h! }, { format }));
      expect(back.h!.dtype, format).toBe('float16');
      expect(bitsOf(back.h!), format).toEqual(p.bits);
    }
  });
});
