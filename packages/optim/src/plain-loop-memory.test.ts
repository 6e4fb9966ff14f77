/**
 * The plain PyTorch program, on cpu: training and evaluation loops written with no `tidy`,
 * `dispose` or `await` hold a flat memory line over 10,000 steps (live tensors, storages, bytes,
 * the backend's pool, the JS heap), and nothing the user still holds is freed under them
 * (Note [Memory without ceremony] in @dl/tensor, docs/guides/memory.md).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn, F } from '@dl/nn';
import { DataLoader, TensorDataset } from '@dl/data';
import { SGD, Adam } from './index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

class Net extends nn.Module {
  fc1 = new nn.Linear(20, 32);
  fc2 = new nn.Linear(32, 4);
  forward(x: dl.Tensor): dl.Tensor {
    return this.fc2.forward(F.relu(this.fc1.forward(x)));
  }
}

interface Mark {
  tensors: number;
  storages: number;
  bytes: number;
  inUse: number;
  heapMB: number;
}

function mark(): Mark {
  gc();
  const m = dl.memory();
  const c = m.devices.cpu!;
  return {
    tensors: m.tensors,
    storages: c.storages,
    bytes: c.bytes,
    inUse: c.backend!.bytesInUse,
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

/** The counts are exactly flat between the two marks, and the JS heap grew by less than 16 MB. */
function expectFlat(a: Mark, b: Mark): void {
  expect({ tensors: b.tensors, storages: b.storages, bytes: b.bytes, inUse: b.inUse }).toEqual({
    tensors: a.tensors,
    storages: a.storages,
    bytes: a.bytes,
    inUse: a.inUse,
  });
  expect(b.heapMB - a.heapMB).toBeLessThan(16);
}

const STEPS = 10_000;

describe('the plain loop on cpu (no tidy, no dispose, no await)', () => {
  it('training: 10,000 steps of zeroGrad / forward / crossEntropy / backward / step hold a flat line', () => {
    dl.manualSeed(0);
    const model = new Net();
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = dl.randn([16, 20]);
    const y = dl.randint(0, 4, [16], { dtype: 'int32' });
    let first = 0;
    let last = 0;
    let before: Mark | null = null;
    for (let i = 0; i < STEPS; i++) {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      if (i === 0) first = loss.itemSync();
      if (i === 99) before = mark();
      last = loss.itemSync();
    }
    expectFlat(before!, mark());
    expect(last).toBeLessThan(first / 4);
    expect([model.parameters().length, opt.state.size]).toEqual([4, 4]); // alive through the mark
  });

  it('evaluation without noGrad: 10,000 forward passes whose graphs are never backpropagated hold a flat line', () => {
    dl.manualSeed(1);
    const model = new Net();
    const x = dl.randn([16, 20]);
    const y = dl.randint(0, 4, [16], { dtype: 'int32' });
    let correct = 0;
    let before: Mark | null = null;
    for (let i = 0; i < STEPS; i++) {
      const out = model.forward(x);
      correct += out.argmax(1).eq(y).sum().itemSync();
      if (i === 99) before = mark();
    }
    expectFlat(before!, mark());
    expect(correct).toBeGreaterThan(0);
    expect([model.parameters().length, x.shape, y.shape]).toEqual([4, [16, 20], [16]]); // alive through the mark
  });

  it('a synchronous for…of DataLoader loop (100 epochs of 100 batches, Adam) holds a flat line', () => {
    dl.manualSeed(2);
    const X = dl.randn([1600, 20]);
    const Y = X.at(':', '0:4').argmax(1).int(); // a learnable rule
    const loader = new DataLoader(new TensorDataset(X, Y), { batchSize: 16, shuffle: true });
    const model = new Net();
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const crit = new nn.CrossEntropyLoss();
    let steps = 0;
    let before: Mark | null = null;
    let epochLoss = 0;
    let firstEpoch = 0;
    for (let epoch = 0; epoch < STEPS / 100; epoch++) {
      epochLoss = 0;
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        const loss = crit.forward(model.forward(xb!), yb!);
        loss.backward();
        opt.step();
        epochLoss += loss.itemSync();
        if (++steps === 100) before = mark();
      }
      if (epoch === 0) firstEpoch = epochLoss;
    }
    expect(steps).toBe(STEPS);
    expectFlat(before!, mark());
    expect(epochLoss).toBeLessThan(firstEpoch / 2);
    expect([model.parameters().length, opt.state.size]).toEqual([4, 4]); // alive through the mark
  });

  it('the plain step gives the same numbers as the step in tidy', () => {
    const run = (useTidy: boolean): number[] => {
      dl.manualSeed(3);
      const model = new Net();
      const opt = new SGD(model.parameters(), { lr: 0.1 });
      const x = dl.randn([8, 20]);
      const y = dl.randint(0, 4, [8], { dtype: 'int32' });
      const losses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const step = () => {
          opt.zeroGrad();
          const loss = F.crossEntropy(model.forward(x), y);
          loss.backward();
          opt.step();
          return loss.itemSync();
        };
        losses.push(useTidy ? dl.tidy(step) : step());
      }
      return losses;
    };
    expect(run(false)).toEqual(run(true));
  });
});

describe('nothing a user holds is freed under them', () => {
  it('tensors kept in arrays across thousands of steps keep their values (outputs, losses, batches, grads)', () => {
    dl.manualSeed(4);
    const model = new Net();
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const X = dl.randn([256, 20]);
    const Y = dl.randint(0, 4, [256], { dtype: 'int32' });
    const loader = new DataLoader(new TensorDataset(X, Y), { batchSize: 32 });
    const kept: Array<{ t: dl.Tensor; values: number[] }> = [];
    const keepIt = (t: dl.Tensor) => kept.push({ t, values: Array.from(t.dataSync()) });
    for (let epoch = 0; epoch < 30; epoch++) {
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        const out = model.forward(xb!);
        const loss = F.crossEntropy(out, yb!);
        loss.backward();
        opt.step();
        if (epoch % 10 === 0) {
          keepIt(out);
          keepIt(loss);
          keepIt(xb!);
          keepIt(out.argmax(1));
          keepIt(model.fc1.weight.grad!.clone());
        }
      }
    }
    expect(kept.length).toBe(3 * 8 * 5);
    for (const k of kept) {
      expect(k.t.isDisposed).toBe(false);
      expect(Array.from(k.t.dataSync())).toEqual(k.values);
    }
    // A kept output still backpropagates? Its graph was released by backward, as in PyTorch.
    expect(() => kept[0]!.t.sum().backward()).toThrow(/backward through the graph a second time/);
  });

  it('a graph built before a step boundary still backpropagates after it (two forwards, one backward)', () => {
    const grads = (boundary: boolean): number[] => {
      dl.manualSeed(5);
      const g = new Net();
      const d = new nn.Linear(4, 1);
      const z = dl.randn([8, 20]);
      const fake = g.forward(z); // graph of g kept for later
      const real = d.forward(dl.randn([8, 4])); // another top-level module call: a step boundary
      if (boundary) dl.endStep();
      const loss = d.forward(fake).mean().sub(real.mean());
      loss.backward();
      return Array.from(g.fc1.weight.grad!.dataSync());
    };
    expect(grads(true)).toEqual(grads(false));
  });

  it('what a forward stores on its module, and what hooks keep, stays valid; a stray temporary says who freed it', () => {
    let stray: dl.Tensor | null = null;
    class Probe extends nn.Module {
      fc = new nn.Linear(4, 4);
      last: dl.Tensor | null = null;
      history: dl.Tensor[] = [];
      forward(x: dl.Tensor): dl.Tensor {
        const h = this.fc.forward(x);
        this.last = h.relu();
        this.history.push(h.sum());
        stray = h.mul(2);
        return h.tanh();
      }
    }
    const m = new Probe();
    const seen: dl.Tensor[] = [];
    m.fc.registerForwardHook((_mod, _inp, out) => void seen.push((out as dl.Tensor).detach().abs()));
    const x = dl.randn([3, 4]);
    for (let i = 0; i < 5; i++) m.forward(x);
    const h = m.fc.forward(x);
    expect(m.last!.dataSync()).toEqual(h.relu().dataSync());
    expect(m.history.map((t) => t.itemSync())).toEqual(Array(5).fill(h.sum().itemSync()));
    expect(seen.length).toBe(6);
    for (const s of seen) expect(s.dataSync()).toEqual(h.abs().dataSync());
    expect(() => stray!.dataSync()).toThrow(/disposed when Probe\.forward ended.*neither returned nor stored/);
  });

  it('a forward may return its tensors inside a class instance, a Map or nested records', () => {
    class Output {
      constructor(
        readonly logits: dl.Tensor,
        readonly extra: { hidden: Map<string, dl.Tensor[]> },
      ) {}
    }
    class Wrapped extends nn.Module {
      fc = new nn.Linear(4, 3);
      forward(x: dl.Tensor): Output {
        const h = this.fc.forward(x);
        return new Output(h.softmax(1), { hidden: new Map([['h', [h, h.relu()]]]) });
      }
    }
    const m = new Wrapped();
    const x = dl.randn([2, 4]);
    const o = m.forward(x);
    m.forward(x); // a step boundary in between
    const h = m.fc.forward(x);
    expect(o.logits.dataSync()).toEqual(h.softmax(1).dataSync());
    expect(o.extra.hidden.get('h')![1]!.dataSync()).toEqual(h.relu().dataSync());
  });

  it('retained gradients and tensors handed to gradient hooks outlive backward', () => {
    const w = dl.randn([4, 4], { requiresGrad: true });
    const hooked: dl.Tensor[] = [];
    const h = dl.randn([2, 4]).matmul(w);
    h.retainGrad();
    h.registerHook((g) => void hooked.push(g));
    h.tanh().sum().backward();
    dl.endStep();
    expect(h.grad!.shape).toEqual([2, 4]);
    expect(Array.from(hooked[0]!.dataSync())).toEqual(Array.from(h.grad!.dataSync()));
  });

  it('a disposed tensor names who disposed it', () => {
    const t = dl.ones([2]);
    t.dispose();
    expect(() => t.add(1)).toThrow(/disposed by dispose\(\)/);
    const u = dl.tidy(() => {
      const inner = dl.ones([3]);
      return { later: () => inner.sum() };
    });
    expect(() => u.later()).toThrow(/tidy\(\) that made it ended/);
  });
});

describe('inputs reused every step', () => {
  it('come back onto the device when used after a boundary, and stay there once used after two', () => {
    const x = dl.randn([64, 300]);
    const net = new nn.Linear(300, 4);
    const before = net.forward(x).sum().itemSync();
    dl.endStep(); // x reached user code: its storage is handed to the GC ...
    expect(x._storage.spilled).toBe(true);
    const storages = dl.memory().devices.cpu!.storages;
    expect(net.forward(x).sum().itemSync()).toBe(before); // ... and comes back when used again,
    expect([x._storage.spilled, x._storage.pinned]).toEqual([false, false]);
    expect(dl.memory().devices.cpu!.storages).toBeGreaterThan(storages);
    dl.endStep(); // for that step only (a batch that backward reads again goes back to the GC);
    expect(x._storage.spilled).toBe(true);
    expect(net.forward(x).sum().itemSync()).toBe(before);
    dl.endStep(); // used after a second boundary: an input reused every step stays on the device
    expect([x._storage.spilled, x._storage.pinned]).toEqual([false, true]);
  });
});

describe('graphs are freed with their tensors', () => {
  it('1,000 forward passes in tidy, never backpropagated, leave the storage count where it was', () => {
    const net = new Net();
    const x = dl.randn([8, 20]);
    dl.tidy(() => net.forward(x).relu().sum().itemSync());
    const before = dl.memory().devices.cpu!.storages;
    for (let i = 0; i < 1000; i++) dl.tidy(() => net.forward(x).relu().sum().itemSync());
    expect(dl.memory().devices.cpu!.storages).toBe(before);
  });

  it('evaluation under noGrad records nothing and stays flat too', () => {
    const net = new Net();
    const x = dl.randn([8, 20]);
    noGrad(() => net.forward(x))
      .sum()
      .itemSync();
    const a = mark();
    for (let i = 0; i < 1000; i++)
      noGrad(() => net.forward(x))
        .sum()
        .itemSync();
    expectFlat(a, mark());
  });
});
