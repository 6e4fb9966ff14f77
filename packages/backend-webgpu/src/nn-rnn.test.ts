/**
 * nn.RNN / LSTM / GRU, the cells and nn.utils.rnn on `webgpu` against PyTorch 1.13: the cases of
 * @dl/nn's rnn.test.ts (fixtures from tools/fixtures/rnn_fixtures.py) with torch's weights loaded
 * by state-dict key and the module moved to webgpu — forward, final states, input / state /
 * parameter gradients — and an LSTM trained with Adam on webgpu. Without a WebGPU adapter it is
 * skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from '@dl/nn';
import { Adam } from '@dl/optim';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

interface FT {
  shape: number[];
  data: number[];
  dtype: 'float32' | 'int32';
}
type Case = Record<string, any> & {
  name: string;
  kind: string;
  inputSize: number;
  hiddenSize: number;
  opts: Record<string, any>;
  state: Record<string, FT>;
  gparams: Record<string, FT>;
};
const F = JSON.parse(readFileSync(new URL('../../nn/src/fixtures/rnn.json', import.meta.url), 'utf8')) as { layers: Case[]; cells: Case[] };

const DEV = 'webgpu';
const onGpu = (t: FT): Tensor => dl.tensor(t.data, { dtype: t.dtype }).reshape(t.shape).to(DEV);
const leaf = (t: FT | null): Tensor | null => (t ? onGpu(t).requiresGrad_() : null);

/** Compare a webgpu tensor with a fixture (read back asynchronously). */
async function close(actual: Tensor | null | undefined, expected: FT | null, what: string, atol = 2e-5, rtol = 2e-4): Promise<void> {
  if (!expected) return;
  expect(actual, `${what}: missing`).toBeTruthy();
  expect([...actual!.shape], `${what} shape`).toEqual(expected.shape);
  expect(actual!.device, `${what} device`).toBe(DEV);
  const a = await actual!.contiguous().data();
  for (let i = 0; i < a.length; i++) {
    const e: number = expected.data[i]!;
    const v = Number(a[i]);
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what} at ${i}: ${v} vs ${e}`);
  }
}

function loadInto(m: nn.RNN | nn.LSTM | nn.GRU | nn.RNNCell | nn.LSTMCell | nn.GRUCell, c: Case): void {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) sd[k] = dl.tensor(v.data).reshape(v.shape);
  m.loadStateDict(sd);
  m.to(DEV);
}

describe.runIf(be)('recurrent layers on webgpu', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  for (const c of F.layers) {
    it(c.name, async () => {
      const m =
        c.kind === 'LSTM'
          ? new nn.LSTM(c.inputSize, c.hiddenSize, c.opts)
          : c.kind === 'GRU'
            ? new nn.GRU(c.inputSize, c.hiddenSize, c.opts)
            : new nn.RNN(c.inputSize, c.hiddenSize, c.opts);
      loadInto(m, c);
      m.train(c.train);
      const x = leaf(c.x)!;
      const h0 = leaf(c.h0);
      const c0 = leaf(c.c0);
      const bf = c.opts.batchFirst ?? false;
      const input = c.packed
        ? nn.utils.rnn.packPaddedSequence(x, c.packed.lengths, { batchFirst: bf, enforceSorted: c.packed.enforceSorted })
        : x;
      let out: Tensor | nn.utils.rnn.PackedSequence;
      let h: Tensor;
      let cN: Tensor | null = null;
      if (m instanceof nn.LSTM)
        [out, [h, cN]] = input instanceof dl.Tensor ? m(input, h0 ? [h0, c0!] : null) : m(input, h0 ? [h0, c0!] : null);
      else [out, h] = input instanceof dl.Tensor ? (m as nn.GRU)(input, h0) : (m as nn.GRU)(input, h0);
      let padded: Tensor;
      if (out instanceof nn.utils.rnn.PackedSequence) {
        await close(out.data, c.packedData, `${c.name} packed data`);
        const [p, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: bf });
        expect(Array.from(lengths.dataSync())).toEqual(c.packed.lengths);
        padded = p;
      } else padded = out;
      await close(padded, c.out, `${c.name} output`);
      await close(h, c.h, `${c.name} h`);
      await close(cN, c.c, `${c.name} c`);
      let loss = padded
        .mul(onGpu(c.r))
        .sum()
        .add(h.mul(onGpu(c.rh)).sum());
      if (cN) loss = loss.add(cN.mul(onGpu(c.rc)).sum());
      loss.backward();
      await close(x.grad, c.gx, `${c.name} grad input`);
      await close(h0?.grad, c.gh0, `${c.name} grad h0`);
      await close(c0?.grad, c.gc0, `${c.name} grad c0`);
      const named = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.gparams)) await close(named[k]?.grad, g, `${c.name} grad ${k}`);
    });
  }

  for (const c of F.cells) {
    it(c.name, async () => {
      const m =
        c.kind === 'LSTMCell'
          ? new nn.LSTMCell(c.inputSize, c.hiddenSize, c.opts)
          : c.kind === 'GRUCell'
            ? new nn.GRUCell(c.inputSize, c.hiddenSize, c.opts)
            : new nn.RNNCell(c.inputSize, c.hiddenSize, c.opts);
      loadInto(m, c);
      const x = leaf(c.x)!;
      const h0 = leaf(c.h0);
      const c0 = leaf(c.c0);
      let h: Tensor;
      let cN: Tensor | null = null;
      if (m instanceof nn.LSTMCell) [h, cN] = m(x, h0 ? [h0, c0!] : null);
      else h = (m as nn.GRUCell)(x, h0);
      await close(h, c.h, `${c.name} h`);
      await close(cN, c.c, `${c.name} c`);
      let loss = h.mul(onGpu(c.rh)).sum();
      if (cN) loss = loss.add(cN.mul(onGpu(c.rc)).sum());
      loss.backward();
      await close(x.grad, c.gx, `${c.name} grad input`);
      await close(h0?.grad, c.gh0, `${c.name} grad h0`);
      await close(c0?.grad, c.gc0, `${c.name} grad c0`);
      const named = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.gparams)) await close(named[k]?.grad, g, `${c.name} grad ${k}`);
    });
  }

  it('an LSTM trained with Adam on webgpu learns the running mean of a sequence', async () => {
    class Model extends nn.Module {
      lstm = new nn.LSTM(1, 16, { batchFirst: true });
      head = new nn.Linear(16, 1);
      forward(x: Tensor): Tensor {
        const [out] = this.lstm(x);
        return this.head(out.select(1, -1));
      }
    }
    dl.manualSeed(0);
    const model = new Model().to(DEV);
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const lossFn = new nn.MSELoss();
    const g = new dl.Generator(1);
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      const x = dl.rand([32, 6, 1], { generator: g }).mul(2).sub(1).to(DEV);
      const y = x.mean(1);
      const loss = lossFn(model(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(await loss.item()); // read every step, as a training loop logs it
    }
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    console.info(`webgpu LSTM: loss ${first.toFixed(4)} → ${last.toFixed(4)}`);
    expect(last).toBeLessThan(first * 0.2);
  });
});

if (!be) it.skip('recurrent layers on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
