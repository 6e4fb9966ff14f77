/**
 * The fast elementwise paths of issue 14 (Note [Scalars as parameters] in runtime.ts, Note
 * [Contiguous elementwise kernels] in kernels/ew-core.ts, Note [Cached layouts and bind groups] in
 * bind-groups.ts): every case runs with the fast paths on and off and must give the same bits,
 * and agree with cpu; shapes cover contiguous, strided, broadcast, scalar and odd lengths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
const DEV = 'webgpu';

function setFast(on: boolean): void {
  const f = webgpu.runtime.fast;
  f.scalars = on;
  f.bindings = on;
  f.contiguous = on;
  f.vec4 = on;
}

/** Values of `make(device)` on webgpu with the fast paths on, off, and on cpu. */
async function run(make: (device: string) => Tensor): Promise<{ fast: number[]; slow: number[]; cpu: number[] }> {
  setFast(true);
  const a = make(DEV);
  const fast = Array.from(await a.data());
  setFast(false);
  const b = make(DEV);
  const slow = Array.from(await b.data());
  setFast(true);
  const cpu = Array.from(make('cpu').dataSync());
  a.dispose();
  b.dispose();
  return { fast, slow, cpu };
}

/** Deterministic values with a NaN, infinities and negative zero among them. */
function values(n: number, seed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.sin(i * 12.9898 + seed) * 4);
  if (n > 5) {
    out[1] = Number.NaN;
    out[2] = Number.POSITIVE_INFINITY;
    out[3] = -0;
    out[4] = Number.NEGATIVE_INFINITY;
  }
  return out;
}

const t = (n: number, seed: number, device: string, dtype: dl.DType = 'float32') =>
  dl.tensor(dtype === 'int32' ? values(n, seed).map((v) => (Number.isFinite(v) ? Math.round(v * 10) : 7)) : values(n, seed), {
    dtype,
    device,
  });

const SIZES = [1, 3, 17, 1001, 4099];

type Case = [string, (n: number, d: string) => Tensor];
const CASES: Case[] = [
  ['add (contiguous)', (n, d) => t(n, 1, d).add(t(n, 2, d))],
  ['add scalar', (n, d) => t(n, 1, d).add(1)],
  ['scalar first: 2 - x', (n, d) => dl.sub(2, t(n, 1, d))],
  ['mul scalar', (n, d) => t(n, 1, d).mul(0.5)],
  ['div by scalar', (n, d) => t(n, 1, d).div(3)],
  ['pow scalar', (n, d) => t(n, 1, d).pow(2)],
  ['maximum with a scalar (NaN propagates)', (n, d) => dl.maximum(t(n, 1, d), dl.tensor(0.25, { device: d }))],
  ['relu', (n, d) => t(n, 1, d).relu()],
  ['exp', (n, d) => t(n, 1, d).exp()],
  ['lt scalar', (n, d) => t(n, 1, d).lt(0.3)],
  ['eq tensor', (n, d) => t(n, 1, d).eq(t(n, 1, d))],
  ['where(c, 0, x)', (n, d) => dl.where(t(n, 3, d).gt(0), 0, t(n, 1, d))],
  ['where(c, x, y)', (n, d) => dl.where(t(n, 3, d).gt(0), t(n, 1, d), t(n, 2, d))],
  ['where(c, x, 1.5) int cond from int32', (n, d) => dl.where(t(n, 3, d, 'int32').gt(0), t(n, 1, d), 1.5)],
  ['clamp', (n, d) => t(n, 1, d).clamp(-1, 2)],
  ['full', (n, d) => dl.full([n], 2.5, { device: d })],
  ['fill_ a strided view', (n, d) => dl.zeros([n, 2], { device: d }).select(1, 1).fill_(-3)],
  ['cast float → int32 (copy)', (n, d) => t(n, 1, d).nanToNum().clamp(-1e6, 1e6).int()],
  ['int32 add scalar', (n, d) => t(n, 1, d, 'int32').add(3)],
  ['int32 mul', (n, d) => t(n, 1, d, 'int32').mul(t(n, 2, d, 'int32'))],
  [
    'bool logicalAnd',
    (n, d) =>
      t(n, 1, d)
        .gt(0)
        .logicalAnd(t(n, 2, d).lt(1)),
  ],
  [
    'transposed (strided) + contiguous',
    (n, d) =>
      t(n * 3, 1, d)
        .reshape([n, 3])
        .t()
        .add(t(n * 3, 2, d).reshape([3, n])),
  ],
  [
    'broadcast [n,1] + [1,5]',
    (n, d) =>
      t(n, 1, d)
        .reshape([n, 1])
        .add(t(5, 2, d).reshape([1, 5])),
  ],
  [
    'odd offset (narrow 1..) * 2',
    (n, d) =>
      t(n + 1, 1, d)
        .narrow(0, 1, n)
        .mul(2),
  ],
  [
    'offset 4 (narrow 4..) + itself',
    (n, d) =>
      t(n + 4, 1, d)
        .narrow(0, 4, n)
        .add(t(n + 4, 2, d).narrow(0, 4, n)),
  ],
  ['in place add_ of a scalar', (n, d) => t(n, 1, d).add_(1.25)],
];

describe.runIf(be)('webgpu fast elementwise paths', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    setFast(true);
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  for (const [name, make] of CASES) {
    it(`${name}: same bits with and without the fast paths, equal to cpu (n = ${SIZES.join(', ')})`, async () => {
      for (const n of SIZES) {
        const { fast, slow, cpu } = await run((d) => make(n, d));
        expect(fast, `n=${n}`).toEqual(slow);
        expect(fast.length).toBe(cpu.length);
        fast.forEach((v, i) => {
          const c = cpu[i]!;
          if (Number.isNaN(c)) expect(v, `n=${n} i=${i}`).toBeNaN();
          else if (!Number.isFinite(c)) expect(v, `n=${n} i=${i}`).toBe(c);
          else expect(Math.abs(v - c), `n=${n} i=${i}: ${v} vs ${c}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c)));
        });
      }
    });
  }

  it('a scalar operand is a kernel parameter: x.add(1) is one dispatch (two with the fill)', async () => {
    const x = dl.ones([1000], { device: DEV });
    await webgpu.sync();
    const rt = webgpu.runtime;
    let n0 = rt.dispatchCount;
    const y = x.add(1);
    expect(rt.dispatchCount - n0).toBe(1);
    setFast(false);
    n0 = rt.dispatchCount;
    const z = x.add(1);
    expect(rt.dispatchCount - n0).toBe(2);
    setFast(true);
    expect(Array.from(await y.data())).toEqual(Array.from(await z.data()));
    expect(await y.sum().item()).toBe(2000);
  });

  it('a deferred scalar fill is run before a read, a kernel writing it, and an upload', async () => {
    const s = dl.tensor(2.5, { device: DEV });
    expect(await s.item()).toBe(2.5);
    const u = dl.tensor(1, { device: DEV });
    u.add_(0.5); // a kernel writes the deferred buffer: the fill runs first
    expect(await u.item()).toBe(1.5);
    const v = dl.zeros([1], { device: DEV });
    v.add_(dl.tensor([4], { device: DEV })); // zeros([1]) is deferred too
    expect(Array.from(await v.data())).toEqual([4]);
    const w = dl.tensor(7, { device: DEV, dtype: 'int32' });
    const x = dl.arange(5, { device: DEV, dtype: 'int32' }).mul(w); // read as a parameter
    w.copy_(dl.tensor(9, { dtype: 'int32' })); // replaced by an upload
    expect(Array.from(await x.data())).toEqual([0, 7, 14, 21, 28]);
    expect(await w.item()).toBe(9);
  });

  it('contiguous operands take the vec4 form; odd offsets the scalar-contiguous form; transposes the strided one', async () => {
    const x = t(1001, 1, DEV);
    await x.mul(t(1001, 2, DEV)).data();
    await t(1002, 1, DEV)
      .narrow(0, 1, 1001)
      .mul(t(1001, 2, DEV))
      .data();
    await t(1001 * 3, 1, DEV)
      .reshape([1001, 3])
      .t()
      .mul(t(3 * 1001, 2, DEV).reshape([3, 1001]))
      .data();
    const keys = webgpu.runtime.pipelineKeys().filter((k) => k.startsWith('binary:mul:float32:float32:float32:'));
    expect(keys.some((k) => k.includes(':v4x'))).toBe(true);
    expect(keys.some((k) => k.includes(':c:'))).toBe(true);
    expect(keys.some((k) => k.includes(':s2:'))).toBe(true);
  });

  it('a repeated step reuses its bind groups and layouts (no new ones once warm)', async () => {
    const rt = webgpu.runtime;
    const w = dl.randn([64, 32], { device: DEV });
    const step = () =>
      dl.tidy(() => {
        const x = dl.randn([16, 64], { device: DEV });
        return x.matmul(w).relu().mul(0.5).add(1).sum();
      });
    for (let i = 0; i < 3; i++) await step().item();
    const made = rt.bindings.made;
    const n0 = rt.dispatchCount;
    for (let i = 0; i < 5; i++) await step().item();
    const dispatches = rt.dispatchCount - n0;
    console.log(`bind groups made ${rt.bindings.made - made} for ${dispatches} dispatches`);
    expect(rt.bindings.made - made).toBeLessThanOrEqual(dispatches / 4);
  });
});
