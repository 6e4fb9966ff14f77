/**
 * float16 on webgpu against PyTorch 1.13 (tools/fixtures/float16_fixtures.py; Note [float16 on
 * webgpu]): storage of two halves per word, exact casts both ways, and elementwise ops,
 * comparisons, where, reductions, matmul/bmm, softmax and a half MLP computed in float32 and
 * rounded to half, within one or two half ulps of torch's (float32 summation order and
 * transcendental ulps may flip a rounding). Without an adapter it is skipped with a printed
 * reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { F, nn } from '@dl/nn';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';
import { narrowHalf, widenHalf } from './kernels/half.js';

interface HalfT {
  shape: number[];
  bits: number[];
}
type Fx = Record<string, Record<string, unknown>>;
const fx = JSON.parse(readFileSync(new URL('./fixtures/float16.json', import.meta.url), 'utf8')) as Fx;
const device = 'webgpu';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const vals = (bits: readonly number[]): number[] => bits.map((b) => dl.halfBitsToFloat(b));
const half = (h: HalfT, dev = device): Tensor => dl.tensor(vals(h.bits), { dtype: 'float16', device: dev }).reshape(h.shape);
const ulp = (v: number): number => (v === 0 || !Number.isFinite(v) ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10));

/** `t` (float16) equals the half values of `bits` within `ulps` half ulps (exact for 0), plus `atol`. */
async function closeHalf(t: Tensor, bits: readonly number[], ulps: number, what: string, atol = 0): Promise<void> {
  expect(t.dtype, what).toBe('float16');
  const got = Array.from(await t.data());
  const want = vals(bits);
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(got[i]!) : got[i] === w || Math.abs(got[i]! - w) <= ulps * ulp(w) + atol;
    if (!ok) throw new Error(`${what}: element ${i} is ${got[i]}, torch ${w} (tolerance ${ulps} half ulps)`);
  }
}

const be = await setupGpu(webgpu);

describe.runIf(be)('float16 on webgpu matches PyTorch 1.13', () => {
  it('stores two halves per 4-byte word and round-trips odd sizes and offsets exactly', async () => {
    const c = fx.conversion as { values: unknown[]; bits: number[] };
    const x = dl.tensor(c.values.map(num), { dtype: 'float16', device });
    expect(x.dtype).toBe('float16');
    expect(x.elementSize()).toBe(2);
    const raw = await webgpu.read(x._storage.buffer, 'float16', 0, c.values.length);
    expect(Array.from(raw)).toEqual(c.bits); // rounded on the host, stored bit for bit
    // odd offset and length: a slice read, a strided write into the middle
    expect(Array.from(await webgpu.read(x._storage.buffer, 'float16', 3, 5))).toEqual(c.bits.slice(3, 8));
    const y = dl.zeros([7], { dtype: 'float16', device });
    y.narrow(0, 1, 5).copy_(dl.tensor([1, 2, 3, 4, 5], { device }));
    y.narrow(0, 6, 1).fill_(0.1);
    expect(await y.toArray()).toEqual([0, 1, 2, 3, 4, 5, dl.roundToHalf(0.1)]);
    // float32 → half on the device rounds exactly as the host (and torch)
    const onDevice = dl.tensor(c.values.map(num), { device }).half();
    expect(Array.from(await webgpu.read(onDevice._storage.buffer, 'float16', 0, c.values.length))).toEqual(c.bits);
  });

  it('widen/narrow kernels are exact over all 65536 bit patterns, strided and atomic paths included', async () => {
    const all = new Uint16Array(0x10000).map((_, i) => i);
    const src = dl.empty([0x10000], { dtype: 'float16', device });
    webgpu.write(src._storage.buffer, 'float16', all, 0);
    const wide = dl.empty([0x10000], { device });
    widenHalf(webgpu.runtime, src._view('t'), wide._view('t'));
    const f = (await wide.data()) as Float32Array;
    for (let i = 0; i < 0x10000; i += 1) {
      const want = dl.halfBitsToFloat(i);
      if (Number.isNaN(want) ? !Number.isNaN(f[i]!) : !Object.is(f[i], Math.fround(want)))
        throw new Error(`widen 0x${i.toString(16)}: ${f[i]}`);
    }
    const back = dl.empty([2, 0x8000], { dtype: 'float16', device });
    narrowHalf(webgpu.runtime, wide._view('t'), back._view('t')); // contiguous: a word per thread
    const t = dl.empty([0x8000, 2], { dtype: 'float16', device }).t(); // strided: atomics on halves
    narrowHalf(webgpu.runtime, wide._view('t'), t._view('t'));
    const isNan = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    for (const out of [back, t.contiguous()]) {
      const bits = await webgpu.read(out._storage.buffer, 'float16', 0, 0x10000);
      for (let i = 0; i < 0x10000; i++)
        if (bits[i] !== i && !(isNan(i) && isNan(bits[i]!))) throw new Error(`narrow 0x${i.toString(16)}: 0x${bits[i]!.toString(16)}`);
    }
  });

  it('casts to and from every dtype exactly as torch', async () => {
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
    expect(await s.float().toArray()).toEqual(c.float32);
    expect(await s.int().toArray()).toEqual(c.int32);
    expect(await s.narrow(0, 0, 9).abs().to('uint8').toArray()).toEqual(c.uint8);
    expect(await s.bool().toArray()).toEqual(c.bool);
    expect(await (await s.toAsync('cpu')).double().toArray()).toEqual(c.float32); // float64 lives on cpu
    await closeHalf(dl.tensor(c.fromInt, { dtype: 'int32', device }).half(), c.fromIntBits, 0, 'int32 → half');
    await closeHalf(dl.tensor([true, false], { device }).half(), [0x3c00, 0], 0, 'bool → half');
    await closeHalf((await s.toAsync('cpu')).to('webgpu'), c.src.bits, 0, 'webgpu → cpu → webgpu');
  });

  it('elementwise, scalars, comparisons, where and promotion', async () => {
    const e = fx.elementwise as Record<string, unknown> & { a: HalfT; b: HalfT; pos: HalfT };
    const a = half(e.a);
    const b = half(e.b);
    const pos = half(e.pos);
    const un = e.unary as Record<string, number[]>;
    const ops: Record<string, (x: Tensor) => Tensor> = {
      relu: (x) => x.relu(),
      gelu: (x) => F.gelu(x),
      sigmoid: (x) => x.sigmoid(),
      tanh: (x) => x.tanh(),
      exp: (x) => x.exp(),
      neg: (x) => x.neg(),
      abs: (x) => x.abs(),
      sqrt: (x) => x.sqrt(),
      log: (x) => x.log(),
    };
    for (const [k, f] of Object.entries(ops)) await closeHalf(f(k === 'sqrt' || k === 'log' ? pos : a), un[k]!, 1, k);
    const bin = e.binary as Record<string, number[]>;
    await closeHalf(a.add(b), bin.add!, 0, 'add');
    await closeHalf(a.sub(b), bin.sub!, 0, 'sub');
    await closeHalf(a.mul(b), bin.mul!, 0, 'mul');
    await closeHalf(a.div(pos), bin.div!, 1, 'div');
    await closeHalf(dl.maximum(a, b), bin.maximum!, 0, 'maximum');
    const sc = e.scalar as Record<string, number[]>;
    await closeHalf(a.add(0.1), sc.add!, 0, 'a + 0.1');
    await closeHalf(a.mul(3), sc.mul!, 0, 'a * 3');
    await closeHalf(dl.sub(1, a), sc.rsub!, 0, '1 - a');
    const cmp = e.compare as Record<string, boolean[][]>;
    expect(await a.gt(b).toArray()).toEqual(cmp.gt);
    expect(await a.le(b).toArray()).toEqual(cmp.le);
    expect(await a.eq(a.flip(0)).toArray()).toEqual(cmp.eq);
    await closeHalf(dl.where(a.gt(b), a, b), e.where as number[], 0, 'where');
    const f32 = a.add(b.float());
    expect(f32.dtype).toBe('float32');
    expect(await f32.toArray()).toEqual(e.addFloat32);
    await closeHalf(a.add(dl.arange(24, { dtype: 'int32', device }).reshape(4, 6)), e.addInt32 as number[], 0, 'half + int32');
  });

  it('reductions (float32 accumulation), argmax, softmax and logSoftmax', async () => {
    const r = fx.reductions as Record<string, number[]> & { x: HalfT };
    const x = half(r.x);
    await closeHalf(x.sum(), r.sum!, 2, 'sum');
    await closeHalf(x.sum(1), r.sum1!, 2, 'sum(1)');
    await closeHalf(x.mean(0), r.mean0!, 2, 'mean(0)');
    await closeHalf(x.amax(1), r.max1!, 0, 'max(1)');
    await closeHalf(x.min(), r.min!, 0, 'min');
    expect(await x.argmax(1).toArray()).toEqual(r.argmax1);
    await closeHalf(x.softmax(1), r.softmax1!, 1, 'softmax');
    await closeHalf(x.logSoftmax(1), r.logSoftmax1!, 1, 'logSoftmax');
  });

  it('matmul and bmm accumulate in float32', async () => {
    const m = fx.matmul as Record<string, number[]> & { a: HalfT; b: HalfT; ba: HalfT; bb: HalfT };
    await closeHalf(half(m.a).matmul(half(m.b)), m.mm!, 2, 'mm');
    await closeHalf(dl.bmm(half(m.ba), half(m.bb)), m.bmm!, 2, 'bmm');
  });

  it('a half MLP (model.half()) runs forward on webgpu as a half model on GPU in torch', async () => {
    const p = fx.mlp as Record<string, HalfT> & { out: number[] };
    const model = new nn.Sequential(new nn.Linear(16, 32), new nn.ReLU(), new nn.Linear(32, 10)).to(device).half();
    expect(model.parameters().every((q) => q.dtype === 'float16')).toBe(true);
    const fc1 = model.get(0) as nn.Linear;
    const fc2 = model.get(2) as nn.Linear;
    noGrad(() => {
      fc1.weight.copy_(half(p.w1!));
      fc1.bias!.copy_(half(p.b1!));
      fc2.weight.copy_(half(p.w2!));
      fc2.bias!.copy_(half(p.b2!));
    });
    const y = model(half(p.x!));
    // linear = matmul + bias: two roundings where torch's fused addmm has one, and layer 1's differences carry into
    // layer 2's sums: 2 half ulps of each value plus 2 of the output's scale
    const scale = Math.max(...vals(p.out).map(Math.abs));
    await closeHalf(y, p.out, 2, 'mlp', 2 * ulp(scale));
  });
});
