import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { nn, F } from '@dl/nn';
import { Adagrad, Adam, AdamW, RMSprop, SGD, lrScheduler, type Optimizer } from './index.js';
import fixtures from './fixtures/optim.json' with { type: 'json' };

interface FT {
  shape: number[];
  data: number[];
}
const fx = fixtures as unknown as {
  problem: { W0: FT; B0: FT; X: FT; Y: FT; steps: number };
  optimizers: Array<{ name: string; kind: string; opts: Record<string, unknown>; groups?: boolean; w: FT; b: FT }>;
  schedulers: Array<{
    name: string;
    kind: string;
    opts: Record<string, unknown>;
    lr: number;
    optimizer: 'SGD' | 'Adam';
    lrs: number[];
    momentums: number[];
    metrics: number[] | null;
  }>;
};
const T = (t: FT) => dl.tensor(t.data).reshape(t.shape);
const ctors: Record<string, new (p: never, o: never) => Optimizer<{ lr: number }>> = { SGD, Adam, AdamW, RMSprop, Adagrad } as never;

function setup() {
  const w = T(fx.problem.W0).requiresGrad_();
  const b = T(fx.problem.B0).requiresGrad_();
  const X = T(fx.problem.X);
  const Y = T(fx.problem.Y);
  const loss = () => X.matmul(w.t()).add(b).sub(Y).square().mean();
  return { w, b, loss };
}
function train(opt: Optimizer<{ lr: number }>, loss: () => Tensor, steps: number): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  }
}
function close(a: Tensor, e: FT, tol = 1e-5): void {
  const d = a.dataSync();
  e.data.forEach((v, i) => expect(Math.abs(d[i]! - v), `entry ${i}: ${d[i]} vs ${v}`).toBeLessThanOrEqual(tol * (1 + Math.abs(v))));
}

describe('optimizers end at PyTorch 1.13 weights after N steps', () => {
  it.each(fx.optimizers.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const { w, b, loss } = setup();
    const params = c.groups ? [{ params: [w] }, { params: [b], lr: 0.05 }] : [w, b];
    const opt = new ctors[c.kind]!(params as never, c.opts as never);
    train(opt, loss, fx.problem.steps);
    close(w, c.w);
    close(b, c.b);
  });
});

describe('optimizer state', () => {
  it.each(['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'])('%s stateDict round trip resumes identically', (kind) => {
    const opts = { lr: 0.05, momentum: 0.9, amsgrad: true, centered: true };
    const clean = (o: Record<string, unknown>) => {
      const allowed: Record<string, string[]> = {
        SGD: ['lr', 'momentum'],
        Adam: ['lr', 'amsgrad'],
        AdamW: ['lr', 'amsgrad'],
        RMSprop: ['lr', 'momentum', 'centered'],
        Adagrad: ['lr'],
      };
      return Object.fromEntries(Object.entries(o).filter(([k]) => allowed[kind]!.includes(k)));
    };
    const a = setup();
    const optA = new ctors[kind]!([a.w, a.b] as never, clean(opts) as never);
    train(optA, a.loss, 6);
    const bb = setup();
    const optB = new ctors[kind]!([bb.w, bb.b] as never, clean(opts) as never);
    train(optB, bb.loss, 3);
    const sd = optB.stateDict();
    expect(sd.param_groups[0]!.params).toEqual([0, 1]);
    const cc = setup();
    cc.w.detach().copy_(bb.w);
    cc.b.detach().copy_(bb.b);
    const optC = new ctors[kind]!([cc.w, cc.b] as never, { lr: 1 } as never);
    optC.loadStateDict(sd);
    expect(optC.paramGroups[0]!.lr).toBe(0.05);
    train(optC, cc.loss, 3);
    expect(cc.w.allclose(a.w, { atol: 1e-6 })).toBe(true);
    expect(cc.b.allclose(a.b, { atol: 1e-6 })).toBe(true);
  });

  it('zeroGrad keeps zeroed grads by default (torch 1.13), setToNone drops them', () => {
    const { w, b, loss } = setup();
    const opt = new SGD([w, b], { lr: 0.1 });
    loss().backward();
    opt.zeroGrad();
    expect(w.grad!.abs().sum().itemSync()).toBe(0);
    opt.zeroGrad({ setToNone: true });
    expect(w.grad).toBeNull();
    opt.step(); // no grads: nothing happens
    close(w, fx.problem.W0, 1e-7);
  });

  it('addParamGroup and argument errors', () => {
    const { w, b } = setup();
    const opt = new Adam([w], { lr: 0.01 });
    opt.addParamGroup({ params: [b], lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.1]);
    expect(opt.paramGroups[1]!.betas).toEqual([0.9, 0.999]);
    expect(() => opt.addParamGroup({ params: [b] })).toThrow(/more than one parameter group/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(dl.ArgumentError);
    expect(() => new SGD([w], { lr: -1 })).toThrow(/invalid learning rate/);
    expect(() => new SGD([w], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new Adam([w], { betas: [1, 0.9] })).toThrow(/beta parameter at index 0/);
    expect(() => new SGD([w.mul(2)], { lr: 0.1 })).toThrow(/non-leaf/);
  });
});

describe('LR schedulers match PyTorch 1.13 sequences', () => {
  it.each(fx.schedulers.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const w = dl.zeros(2).requiresGrad_();
    const opt = c.optimizer === 'SGD' ? new SGD([w], { lr: c.lr, momentum: 0.9 }) : new Adam([w], { lr: c.lr });
    const o = c.opts as never;
    const S = lrScheduler;
    const sched =
      c.kind === 'StepLR'
        ? new S.StepLR(opt, o)
        : c.kind === 'MultiStepLR'
          ? new S.MultiStepLR(opt, o)
          : c.kind === 'ExponentialLR'
            ? new S.ExponentialLR(opt, o)
            : c.kind === 'CosineAnnealingLR'
              ? new S.CosineAnnealingLR(opt, o)
              : c.kind === 'LambdaLR'
                ? new S.LambdaLR(opt, (e) => 0.95 ** e)
                : c.kind === 'LinearLR'
                  ? new S.LinearLR(opt, o)
                  : c.kind === 'OneCycleLR'
                    ? new S.OneCycleLR(opt, o)
                    : new S.ReduceLROnPlateau(opt, o);
    const lrs: number[] = [];
    const moms: number[] = [];
    c.lrs.forEach((_, e) => {
      const g = opt.paramGroups[0]!;
      lrs.push(g.lr);
      moms.push(c.optimizer === 'SGD' ? (g.momentum as number) : (g.betas as number[])[0]!);
      opt.step();
      if (sched instanceof S.ReduceLROnPlateau) sched.step(c.metrics![e]!);
      else sched.step();
    });
    lrs.forEach((v, i) => expect(v, `lr at epoch ${i}`).toBeCloseTo(c.lrs[i]!, 10));
    moms.forEach((v, i) => expect(v, `momentum at epoch ${i}`).toBeCloseTo(c.momentums[i]!, 10));
  });

  it('getLastLr and stateDict', () => {
    const opt = new SGD([dl.zeros(1).requiresGrad_()], { lr: 1 });
    const s = new lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([0.5]);
    // torch 1.13: StepLR(opt, step_size=2, gamma=0.5) after two steps
    expect(s.stateDict()).toEqual({
      step_size: 2,
      gamma: 0.5,
      base_lrs: [1],
      last_epoch: 2,
      verbose: false,
      _step_count: 3,
      _get_lr_called_within_step: false,
      _last_lr: [0.5],
    });
    const again = new lrScheduler.StepLR(new SGD([dl.zeros(1).requiresGrad_()], { lr: 1 }), { stepSize: 7 });
    again.loadStateDict(s.stateDict());
    expect(again.stepSize).toBe(2);
    expect(again.lastEpoch).toBe(2);
    expect(again.getLastLr()).toEqual([0.5]);
  });
});

describe('training memory', () => {
  it('200 steps of a small MLP inside dl.tidy hold memory flat', () => {
    dl.manualSeed(0);
    const net = new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Linear(32, 3));
    const opt = new Adam(net.parameters(), { lr: 1e-2 });
    const X = dl.rand([64, 20]);
    const y = dl.randint(0, 3, [64]);
    const stepOnce = () =>
      dl.tidy(() => {
        opt.zeroGrad();
        const loss = F.crossEntropy(net.forward(X), y);
        loss.backward();
        opt.step();
        return loss.itemSync();
      });
    const first = stepOnce();
    for (let i = 0; i < 5; i++) stepOnce();
    const before = dl.memory().devices.cpu!;
    let last = first;
    for (let i = 0; i < 200; i++) last = stepOnce();
    const after = dl.memory().devices.cpu!;
    expect(after.storages).toBe(before.storages);
    expect(after.bytes).toBe(before.bytes);
    expect(last).toBeLessThan(first);
  });
});

describe('optimizer state dicts in PyTorch 1.13 layout', () => {
  // Keys of `opt.state_dict()` after one step on a 2-element parameter, printed by torch 1.13.
  const torch: Record<string, { groups: string[]; state: Record<string, 'tensor' | 'scalar' | 'int'> }> = {
    SGD: {
      groups: ['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize', 'foreach', 'differentiable', 'params'],
      state: { momentum_buffer: 'tensor' },
    },
    Adam: {
      groups: ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'foreach', 'capturable', 'differentiable', 'fused', 'params'],
      state: { step: 'scalar', exp_avg: 'tensor', exp_avg_sq: 'tensor' },
    },
    AdamW: {
      groups: ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'foreach', 'maximize', 'capturable', 'params'],
      state: { step: 'scalar', exp_avg: 'tensor', exp_avg_sq: 'tensor' },
    },
    RMSprop: {
      groups: ['lr', 'momentum', 'alpha', 'eps', 'centered', 'weight_decay', 'foreach', 'maximize', 'differentiable', 'params'],
      state: { step: 'int', square_avg: 'tensor' },
    },
    Adagrad: {
      groups: ['lr', 'lr_decay', 'eps', 'weight_decay', 'initial_accumulator_value', 'foreach', 'maximize', 'params'],
      state: { step: 'scalar', sum: 'tensor' },
    },
  };
  it.each(Object.keys(torch))('%s: same keys, same kinds of values', (kind) => {
    const w = dl.ones([2], { requiresGrad: true });
    const opt = new ctors[kind]!([w] as never, (kind === 'SGD' ? { lr: 0.1, momentum: 0.9 } : { lr: 0.1 }) as never);
    w.mul(w).sum().backward();
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.param_groups[0]!)).toEqual(torch[kind]!.groups);
    const st = sd.state[0]!;
    expect(Object.keys(st).sort()).toEqual(Object.keys(torch[kind]!.state).sort());
    for (const [k, want] of Object.entries(torch[kind]!.state)) {
      const v = st[k];
      if (want === 'int') expect(v).toBe(1);
      else {
        expect(v).toBeInstanceOf(dl.Tensor);
        expect((v as dl.Tensor).shape).toEqual(want === 'scalar' ? [] : [2]);
      }
    }
  });

  it('loads a state dict as PyTorch writes it (snake_case, step tensors, momentum_buffer None, torch-only options)', () => {
    const w = dl.ones([2], { requiresGrad: true });
    const opt = new Adam([w], { lr: 0.5 });
    opt.loadStateDict({
      state: { 0: { step: dl.tensor(3), exp_avg: dl.tensor([0.1, 0.2]), exp_avg_sq: dl.tensor([0.01, 0.04]) } },
      param_groups: [
        {
          lr: 0.01,
          betas: [0.8, 0.9],
          eps: 1e-8,
          weight_decay: 0.1,
          amsgrad: false,
          maximize: false,
          foreach: null,
          capturable: false,
          differentiable: false,
          fused: false,
          params: [0],
        },
      ],
    });
    const g = opt.paramGroups[0]!;
    expect([g.lr, g.betas, g.weightDecay]).toEqual([0.01, [0.8, 0.9], 0.1]);
    expect('foreach' in g).toBe(false);
    const s = opt.state.get(w)!;
    expect(s.step).toBe(3);
    expect(Array.from((s.expAvg as dl.Tensor).dataSync())).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    const sgd = new SGD([w], { lr: 0.1 });
    sgd.loadStateDict({
      state: { 0: { momentum_buffer: null } },
      param_groups: [
        {
          lr: 0.2,
          momentum: 0,
          dampening: 0,
          weight_decay: 0,
          nesterov: false,
          maximize: false,
          foreach: null,
          differentiable: false,
          params: [0],
        },
      ],
    });
    expect(sgd.paramGroups[0]!.lr).toBe(0.2);
  });

  it('bad arguments get typed errors that say how to call it', () => {
    const w = dl.ones([2], { requiresGrad: true });
    expect(() => new SGD(5 as never)).toThrow(/should be an iterable of Tensors or dicts, but got number/);
    expect(() => new SGD(w as never)).toThrow(/should be an iterable of Tensors or dicts, but got a Tensor of shape \[2\]/);
    expect(() => new SGD([1, 2] as never)).toThrow(dl.ArgumentError);
    expect(() => new SGD(new nn.Linear(2, 2) as never, 0.1)).toThrow(
      /should be the module's parameters, but got the module \(Linear\)[\s\S]*model\.parameters\(\)/,
    );
    expect(() => new SGD(new nn.Sequential(new nn.Linear(2, 2)) as never, 0.1)).toThrow(
      /should be the module's parameters, but got the module \(Sequential\)/,
    );
    expect(() => new SGD([new nn.Linear(2, 2)] as never, 0.1)).toThrow(/but got a module \(Linear\)/);
    expect(() => new SGD([w], '0.01' as never)).toThrow(/options must be an object or a learning rate, got string \(0.01\)/);
    expect(() => new SGD([w], { lr: 0.1 } as never, { momentum: 0.9 } as never)).toThrow(/options come in one object/);
    expect(() => new SGD([w], 0.1, 0.9 as never)).toThrow(/options after the learning rate must be an object, got number \(0.9\)/);
    expect(() => new SGD([w], 0.1, { lr: 0.2 } as never)).toThrow(/learning rate is given twice/);
    expect(() => new SGD([w], { lr: '0.1' } as never)).toThrow(/invalid learning rate: '0.1'/);
    expect(() => new Adam([w], Number.NaN)).toThrow(/invalid learning rate: NaN/);
    expect(() => new Adam([w]).loadStateDict(null as never)).toThrow(/expected an optimizer state dict/);
  });
});

describe('positional learning rate, as PyTorch (Note [Positional lr])', () => {
  it.each([
    ['SGD', (p: dl.Tensor[]) => new SGD(p, 0.05), (p: dl.Tensor[]) => new SGD(p, { lr: 0.05 })],
    [
      'SGD with options after it',
      (p: dl.Tensor[]) => new SGD(p, 0.05, { momentum: 0.9, nesterov: true }),
      (p: dl.Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }),
    ],
    ['Adam', (p: dl.Tensor[]) => new Adam(p, 0.05), (p: dl.Tensor[]) => new Adam(p, { lr: 0.05 })],
    [
      'AdamW',
      (p: dl.Tensor[]) => new AdamW(p, 0.05, { weightDecay: 0.1 }),
      (p: dl.Tensor[]) => new AdamW(p, { lr: 0.05, weightDecay: 0.1 }),
    ],
    ['RMSprop', (p: dl.Tensor[]) => new RMSprop(p, 0.05), (p: dl.Tensor[]) => new RMSprop(p, { lr: 0.05 })],
    ['Adagrad', (p: dl.Tensor[]) => new Adagrad(p, 0.05), (p: dl.Tensor[]) => new Adagrad(p, { lr: 0.05 })],
  ] as const)('%s(params, lr) is %s(params, { lr })', (_name, positional, keyword) => {
    const run = (make: (p: dl.Tensor[]) => { step(): unknown; paramGroups: Array<{ lr: number }> }) => {
      const w = dl.tensor([1, -2, 3], { requiresGrad: true });
      const opt = make([w]);
      for (let i = 0; i < 3; i++) {
        w.grad = null;
        w.mul(w).sum().backward();
        opt.step();
      }
      return { lr: opt.paramGroups[0]!.lr, w: w.toArraySync() };
    };
    const a = run(positional);
    expect(a.lr).toBe(0.05);
    expect(a).toEqual(run(keyword));
  });

  it('SGD has no default lr, as torch (lr=required); a per-group lr is enough', () => {
    const w = dl.ones([2], { requiresGrad: true });
    expect(() => new SGD([w])).toThrow(/parameter group didn't specify a value of required optimization parameter lr/);
    expect(() => new SGD([w], { momentum: 0.9 })).toThrow(dl.ArgumentError);
    expect(new SGD([{ params: [w], lr: 0.3 }]).paramGroups[0]!.lr).toBe(0.3);
  });
});

describe('scheduler arguments, as PyTorch (Note [Positional scheduler arguments])', () => {
  const opt = () => new SGD([dl.ones([2], { requiresGrad: true })], 1);
  const lrs = (s: { step(): void; getLastLr(): number[] }, n = 6) => Array.from({ length: n }, () => (s.step(), s.getLastLr()[0]!));
  it('the first argument after the optimizer may come positionally, the others in an object after it', () => {
    const S = lrScheduler;
    expect(lrs(new S.StepLR(opt(), 2, { gamma: 0.5 }))).toEqual(lrs(new S.StepLR(opt(), { stepSize: 2, gamma: 0.5 })));
    expect(lrs(new S.StepLR(opt(), 2))).toEqual([
      1,
      0.1,
      0.1,
      expect.closeTo(0.01, 12),
      expect.closeTo(0.01, 12),
      expect.closeTo(0.001, 12),
    ]);
    expect(lrs(new S.MultiStepLR(opt(), [1, 3], { gamma: 0.5 }))).toEqual(
      lrs(new S.MultiStepLR(opt(), { milestones: [1, 3], gamma: 0.5 })),
    );
    expect(lrs(new S.ExponentialLR(opt(), 0.9))).toEqual(lrs(new S.ExponentialLR(opt(), { gamma: 0.9 })));
    expect(lrs(new S.CosineAnnealingLR(opt(), 4, { etaMin: 0.1 }))).toEqual(lrs(new S.CosineAnnealingLR(opt(), { TMax: 4, etaMin: 0.1 })));
    expect(lrs(new S.LinearLR(opt(), 0.5, { totalIters: 3 }))).toEqual(lrs(new S.LinearLR(opt(), { startFactor: 0.5, totalIters: 3 })));
    expect(lrs(new S.OneCycleLR(opt(), 0.1, { totalSteps: 10 }))).toEqual(lrs(new S.OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10 })));
    expect(new S.ReduceLROnPlateau(opt(), 'max', { patience: 2 }).mode).toBe('max');
  });

  it('a missing or mistyped required argument is a typed error, never a silent NaN or constant lr', () => {
    const S = lrScheduler;
    expect(() => new S.StepLR(opt(), undefined as never)).toThrow(/StepLR: stepSize must be a positive integer, got nothing/);
    expect(() => new S.StepLR(opt(), 0)).toThrow(/stepSize must be a positive integer, got 0/);
    expect(() => new S.StepLR(opt(), '5' as never)).toThrow(/got '5'/);
    expect(() => new S.StepLR(opt(), 2, 0.5 as never)).toThrow(/options after stepSize must be an object, got number \(0.5\)/);
    expect(() => new S.StepLR(opt(), 2, { stepSize: 3 } as never)).toThrow(/stepSize is given twice/);
    expect(() => new S.StepLR(opt(), { stepSize: 2 } as never, {} as never)).toThrow(/options come in one object/);
    expect(() => new S.MultiStepLR(opt(), {} as never)).toThrow(/milestones must be an array of epochs, got nothing/);
    expect(() => new S.MultiStepLR(opt(), [1.5])).toThrow(/each milestone must be an integer, got 1.5/);
    expect(() => new S.ExponentialLR(opt(), {} as never)).toThrow(/gamma must be a number, got nothing/);
    expect(() => new S.CosineAnnealingLR(opt(), 0)).toThrow(/TMax must be a positive number, got 0/);
    expect(() => new S.LambdaLR(opt(), 5 as never)).toThrow(/lrLambda must be a function of the epoch/);
    expect(() => new S.OneCycleLR(opt(), Number.NaN, { totalSteps: 3 })).toThrow(/maxLr must be a positive number, got NaN/);
    expect(() => new S.ReduceLROnPlateau(opt(), 'minimum' as never)).toThrow(/mode minimum is unknown/);
    expect(() => new S.ReduceLROnPlateau(opt(), { thresholdMode: 'x' } as never)).toThrow(/threshold mode x is unknown/);
  });
});
