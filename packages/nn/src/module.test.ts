import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { nn, F, init } from './index.js';
import { pyName } from './module.js';
import { fromFixture, mismatch, type FT } from './testing/fixture.js';
import fixtures from './fixtures/nn.json' with { type: 'json' };

interface NetFixture {
  repr: string;
  numParams: number;
  names: string[];
  shapes: number[][];
  state?: Record<string, FT>;
  x?: FT;
  y?: FT;
}
const nets = (fixtures as unknown as { nets: Record<string, NetFixture> }).nets;
const reprs = (fixtures as unknown as { reprs: Record<string, string> }).reprs;

class Model extends nn.Module {
  linear1: nn.Linear;
  linear2: nn.Linear;
  output: nn.Linear;
  constructor(inFeatures = 20, outFeatures = 3) {
    super();
    this.linear1 = new nn.Linear(inFeatures, 13, { bias: true });
    this.linear2 = new nn.Linear(13, 8);
    this.output = new nn.Linear(8, outFeatures);
  }
  forward(x: Tensor): Tensor {
    return F.softmax(this.output.forward(dl.sigmoid(this.linear2.forward(dl.relu(this.linear1.forward(x))))), 1);
  }
}

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    let y = F.maxPool2d(F.relu(this.conv1.forward(x)), [2, 2]);
    y = F.maxPool2d(F.relu(this.conv2.forward(y)), 2);
    y = y.flatten(1);
    y = F.relu(this.fc1.forward(y));
    y = F.relu(this.fc2.forward(y));
    return this.fc3.forward(y);
  }
}

class NeuralNetwork extends nn.Module {
  flatten = new nn.Flatten();
  linear_relu_stack = new nn.Sequential(
    new nn.Linear(28 * 28, 512),
    new nn.ReLU(),
    new nn.Linear(512, 512),
    new nn.ReLU(),
    new nn.Linear(512, 10),
  );
  forward(x: Tensor): Tensor {
    return this.linear_relu_stack.forward(this.flatten.forward(x));
  }
}

const count = (m: nn.Module) => m.parameters().reduce((a, p) => a + p.numel(), 0);

describe('seed networks print and count like PyTorch', () => {
  it.each([
    ['mlp', () => new Model(20, 3)],
    ['lenet', () => new Net()],
    ['flatseq', () => new NeuralNetwork()],
  ] as const)('%s', (key, make) => {
    const m = make();
    const f = nets[key]!;
    expect(String(m)).toBe(f.repr);
    expect(count(m)).toBe(f.numParams);
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(f.names);
    expect(m.parameters().map((p) => p.shape)).toEqual(f.shapes);
  });

  it('mlp forward with torch weights gives torch outputs', () => {
    const m = new Model(20, 3);
    const f = nets.mlp!;
    m.loadStateDict(Object.fromEntries(Object.entries(f.state!).map(([k, v]) => [k, fromFixture(v)])));
    expect(mismatch(m.forward(fromFixture(f.x!)), f.y!)).toBeNull();
  });

  it('LeNet runs forward and backward on 1x32x32', () => {
    const net = new Net();
    const y = net.forward(dl.rand(2, 1, 32, 32));
    expect(y.shape).toEqual([2, 10]);
    y.sum().backward();
    expect(net.conv1.weight.grad?.shape).toEqual([6, 1, 5, 5]);
  });

  it.each(Object.entries(reprs))('container repr %s', (key, expected) => {
    const mk: Record<string, () => nn.Module> = {
      seq: () =>
        new nn.Sequential(
          new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }),
          new nn.BatchNorm2d(8),
          new nn.ReLU(),
          new nn.MaxPool2d(2),
          new nn.Dropout(0.25),
          new nn.Flatten(),
          new nn.Linear(8, 2),
        ),
      modulelist: () => new nn.ModuleList([new nn.Linear(2, 2), new nn.Tanh()]),
      moduledict: () => new nn.ModuleDict({ act: new nn.LeakyReLU(), norm: new nn.LayerNorm(4) }),
      misc: () =>
        new nn.Sequential(
          new nn.Conv1d(2, 4, 3),
          new nn.ConvTranspose2d(4, 2, 3, { stride: 2 }),
          new nn.AvgPool2d(3, { stride: 1 }),
          new nn.AdaptiveAvgPool2d([1, 1]),
          new nn.BatchNorm1d(4),
          new nn.GroupNorm(2, 4),
          new nn.Embedding(5, 2),
          new nn.Unflatten(1, [2, 2]),
          new nn.Identity(),
          new nn.ELU(),
          new nn.GELU(),
          new nn.SiLU(),
          new nn.Sigmoid(),
          new nn.Hardtanh(),
          new nn.Softplus(),
          new nn.Softmax(1),
          new nn.LogSoftmax(1),
          new nn.Dropout(),
        ),
    };
    expect(String(mk[key]!())).toBe(expected);
  });
});

describe('Module', () => {
  it('registers parameters, buffers and children in definition order', () => {
    class M extends nn.Module {
      scale = nn.Parameter(dl.ones(3));
      body = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4));
      plain = dl.zeros(2); // not a parameter or buffer
      constructor() {
        super();
        this.registerBuffer('steps', dl.zeros(1));
        this.registerBuffer('scratch', dl.zeros(1), { persistent: false });
      }
      forward(x: Tensor): Tensor {
        return this.body.forward(x.mul(this.scale));
      }
    }
    const m = new M();
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(['scale', 'body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias']);
    expect([...m.namedBuffers()].map(([n]) => n)).toEqual([
      'steps',
      'scratch',
      'body.1.running_mean',
      'body.1.running_var',
      'body.1.num_batches_tracked',
    ]);
    expect(Object.keys(m.stateDict())).toEqual([
      'scale',
      'steps',
      'body.0.weight',
      'body.0.bias',
      'body.1.weight',
      'body.1.bias',
      'body.1.running_mean',
      'body.1.running_var',
      'body.1.num_batches_tracked',
    ]);
    expect([...m.namedChildren()].map(([n]) => n)).toEqual(['body']);
    expect([...m.modules()].length).toBe(4);
    expect(m.scale.requiresGrad).toBe(true);
    // shared parameters are listed once
    const lin = new nn.Linear(2, 2);
    const shared = new nn.Sequential(lin, lin);
    expect(shared.parameters().length).toBe(2);
  });

  it('train/eval, apply, zeroGrad, requiresGrad_', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Dropout(0.5));
    expect(m.eval().at(1).training).toBe(false);
    expect(m.train().at(1).training).toBe(true);
    const names: string[] = [];
    m.apply((x) => void names.push(x._getName()));
    expect(names).toEqual(['Linear', 'Dropout', 'Sequential']);
    m.forward(dl.ones(1, 3)).sum().backward();
    const w = (m.at(0) as nn.Linear).weight;
    expect(w.grad).not.toBeNull();
    m.zeroGrad();
    expect(w.grad!.abs().sum().itemSync()).toBe(0);
    m.zeroGrad({ setToNone: true });
    expect(w.grad).toBeNull();
    m.requiresGrad_(false);
    expect(w.requiresGrad).toBe(false);
  });

  it('Sequential indexing, append, negative at, iteration; ModuleList/ModuleDict', () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    s.append(new nn.Linear(3, 1));
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBeInstanceOf(nn.Linear);
    expect(() => s.at(3)).toThrow(dl.IndexError);
    expect([...s].length).toBe(3);
    expect(s.forward(dl.ones(4, 2)).shape).toEqual([4, 1]);
    expect([...s.namedParameters()].map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(String(named)).toBe('Sequential(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n  (act): Tanh()\n)');
    class Holder extends nn.Module {
      layers = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
      heads = new nn.ModuleDict({ a: new nn.Linear(1, 2) });
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect([...new Holder().namedParameters()].map(([n]) => n)).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
      'heads.a.weight',
      'heads.a.bias',
    ]);
  });

  it('stateDict round trip and loadStateDict errors', () => {
    const a = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3));
    const b = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3));
    a.forward(dl.randn(5, 4));
    b.loadStateDict(a.stateDict());
    const x = dl.randn(2, 4);
    a.eval();
    b.eval();
    expect(a.forward(x).allclose(b.forward(x))).toBe(true);
    // copies values, not storage
    const sd = a.stateDict();
    (a.at(0) as nn.Linear).weight.detach().fill_(0);
    expect(sd['0.weight']!.abs().sum().itemSync()).toBe(0); // stateDict shares storage, as torch
    const { '0.bias': _drop, ...missing } = b.stateDict();
    expect(() => a.loadStateDict(missing)).toThrow(/Missing key\(s\) in state_dict: "0.bias"/);
    expect(() => a.loadStateDict({ ...b.stateDict(), extra: dl.zeros(1) })).toThrow(/Unexpected key\(s\) in state_dict: "extra"/);
    expect(() => a.loadStateDict({ ...b.stateDict(), '0.weight': dl.zeros(3, 5) })).toThrow(dl.ShapeError);
    expect(() => a.loadStateDict({ ...b.stateDict(), '0.weight': dl.zeros(3, 5) })).toThrow(
      /size mismatch for 0.weight: copying a param with shape \[3, 5\] from checkpoint, the shape in current model is \[3, 4\]/,
    );
    expect(a.loadStateDict({ ...missing, extra: dl.zeros(1) }, { strict: false })).toEqual({
      missingKeys: ['0.bias'],
      unexpectedKeys: ['extra'],
    });
  });

  it('forward hooks and pre-hooks', () => {
    const lin = new nn.Linear(2, 2);
    const seen: number[][] = [];
    const h = lin.registerForwardHook((_m, _inp, out) => void seen.push([...(out as Tensor).shape]));
    const pre = lin.registerForwardPreHook((_m, inp) => [(inp[0] as Tensor).mul(0)]);
    const y = lin.forward(dl.ones(3, 2));
    expect(seen).toEqual([[3, 2]]);
    expect(y.allclose(lin.bias!.expand(3, 2))).toBe(true);
    h.remove();
    pre.remove();
    lin.forward(dl.ones(1, 2));
    expect(seen.length).toBe(1);
    lin.registerForwardHook(() => dl.zeros(1));
    expect(lin.forward(dl.ones(1, 2)).shape).toEqual([1]);
  });

  it('to(dtype) casts parameters and buffers in place, keeping registration', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2));
    m.to('float64');
    expect(m.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad)).toBe(true);
    expect((m.at(1) as nn.BatchNorm1d).runningMean!.dtype).toBe('float64');
    expect((m.at(1) as nn.BatchNorm1d).numBatchesTracked!.dtype).toBe('int32');
    expect(m.forward(dl.randn([3, 2], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('BatchNorm eval uses running stats; momentum null is a cumulative average', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: null });
    const x1 = dl.tensor([
      [0, 1],
      [2, 3],
    ]);
    const x2 = dl.tensor([
      [4, 5],
      [6, 7],
    ]);
    bn.forward(x1);
    bn.forward(x2);
    expect(bn.runningMean!.toArraySync()).toEqual([3, 4]);
    expect(bn.numBatchesTracked!.itemSync()).toBe(2);
    bn.eval();
    const y = bn.forward(dl.tensor([[3, 4]]));
    expect(y.abs().max().itemSync()).toBeLessThan(1e-6);
  });
});

describe('Dropout and init', () => {
  it('dropout is seeded, scales kept values, is off in eval', () => {
    const d = new nn.Dropout(0.25);
    dl.manualSeed(5);
    const a = d.forward(dl.ones(1000));
    dl.manualSeed(5);
    const b = d.forward(dl.ones(1000));
    expect(a.equal(b)).toBe(true);
    const vals = new Set(Array.from(a.dataSync()).map((v) => Math.round(v * 1e4) / 1e4));
    expect([...vals].sort()).toEqual([0, 1.3333]);
    const kept = a.gt(0).sum().itemSync();
    expect(kept).toBeGreaterThan(700);
    expect(kept).toBeLessThan(800);
    d.eval();
    expect(d.forward(dl.ones(10)).equal(dl.ones(10))).toBe(true);
  });

  it('init functions fill with the right statistics, without autograd', () => {
    const w = nn.Parameter(dl.empty(256, 128));
    init.kaimingUniform_(w, { a: Math.sqrt(5) });
    const bound = 1 / Math.sqrt(128);
    expect(w.abs().max().itemSync()).toBeLessThanOrEqual(bound);
    expect(w.abs().max().itemSync()).toBeGreaterThan(bound * 0.98);
    expect(w.isLeaf).toBe(true);
    init.kaimingNormal_(w, { nonlinearity: 'relu' });
    expect(w.std().itemSync()).toBeCloseTo(Math.sqrt(2 / 128), 2);
    init.xavierUniform_(w);
    expect(w.abs().max().itemSync()).toBeLessThanOrEqual(Math.sqrt(6 / 384));
    init.xavierNormal_(w, 2);
    expect(w.std().itemSync()).toBeCloseTo(2 * Math.sqrt(2 / 384), 2);
    init.constant_(w, 3);
    expect(w.mean().itemSync()).toBe(3);
    init.orthogonal_(w);
    const wtw = w.t().matmul(w);
    expect(wtw.allclose(dl.eye(128), { atol: 1e-4 })).toBe(true);
    const wide = init.orthogonal_(nn.Parameter(dl.empty(3, 10)), 2);
    expect(wide.matmul(wide.t()).allclose(dl.eye(3).mul(4), { atol: 1e-4 })).toBe(true);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
    expect(() => init.xavierUniform_(dl.zeros(3))).toThrow(dl.ShapeError);
  });

  it('layer default init matches PyTorch bounds', () => {
    const conv = new nn.Conv2d(4, 8, 3);
    const b = 1 / Math.sqrt(4 * 9);
    expect(conv.weight.abs().max().itemSync()).toBeLessThanOrEqual(b);
    expect(conv.bias!.abs().max().itemSync()).toBeLessThanOrEqual(b);
    expect(String(new nn.Conv2d(1, 2, 3, { padding: 'valid' }))).toBe('Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=valid)');
    const emb = new nn.Embedding(50, 4, { paddingIdx: 2 });
    expect(emb.weight.at(2).abs().sum().itemSync()).toBe(0);
  });
});

describe('functional extras', () => {
  it('pad, oneHot, clipGradNorm_, clipGradValue_', () => {
    const x = dl.arange(6).float().reshape(1, 2, 3);
    expect(F.pad(x, [1, 0, 0, 1], { value: -1 }).toArraySync()).toEqual([
      [
        [-1, 0, 1, 2],
        [-1, 3, 4, 5],
        [-1, -1, -1, -1],
      ],
    ]);
    expect(F.pad(x, [-1, 0]).shape).toEqual([1, 2, 2]);
    expect(F.oneHot(dl.tensor([0, 2], { dtype: 'int32' }), 3).toArraySync()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const p = nn.Parameter(dl.zeros(4));
    p.grad = dl.tensor([3, 4, 0, 0]);
    const total = nn.utils.clipGradNorm_([p], 1);
    expect(total.itemSync()).toBeCloseTo(5);
    expect(p.grad.norm().itemSync()).toBeCloseTo(1, 4);
    p.grad = dl.tensor([3, -4, 0.5, 0]);
    nn.utils.clipGradValue_([p], 1);
    expect(p.grad.toArraySync()).toEqual([1, -1, 0.5, 0]);
  });
});

describe('PyTorch names (Note [PyTorch names])', () => {
  it('camelCase properties are reported in snake_case everywhere; lower-case and container keys unchanged', () => {
    expect(
      ['runningMean', 'numBatchesTracked', 'weightIhL0', 'weightHhL0Reverse', 'inProjWeight', 'fcOut', 'conv1', 'layer4', 'HTTPServer'].map(
        pyName,
      ),
    ).toEqual([
      'running_mean',
      'num_batches_tracked',
      'weight_ih_l0',
      'weight_hh_l0_reverse',
      'in_proj_weight',
      'fc_out',
      'conv1',
      'layer4',
      'http_server',
    ]);
    class Head extends nn.Module {
      fcOut = new nn.Linear(2, 2);
      tokenEmbedding = nn.Parameter(dl.zeros(3));
      constructor() {
        super();
        this.registerBuffer('posTable', dl.zeros(2));
      }
      forward(x: Tensor): Tensor {
        return this.fcOut.forward(x);
      }
    }
    const h = new Head();
    expect(Object.keys(h.stateDict())).toEqual(['token_embedding', 'pos_table', 'fc_out.weight', 'fc_out.bias']);
    expect(String(h)).toContain('(fc_out): Linear(in_features=2, out_features=2, bias=True)');
    h.loadStateDict({ token_embedding: dl.ones(3), pos_table: dl.ones(2), 'fc_out.weight': dl.ones(2, 2), 'fc_out.bias': dl.ones(2) });
    expect(h.tokenEmbedding.sum().itemSync()).toBe(3);
  });

  it('module.to() moves parameters in place: an optimizer made before still holds them', () => {
    const m = new nn.Linear(3, 2);
    const w = m.weight;
    m.to('float64');
    expect(m.weight).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(m.bias!.dtype).toBe('float64');
  });
});
