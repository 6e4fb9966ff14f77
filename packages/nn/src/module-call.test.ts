import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { nn, F } from './index.js';

class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor): Tensor {
    return this.fc2(F.relu(this.fc1(x)));
  }
}

class TwoInputs extends nn.Module {
  scale = 2;
  forward(x: Tensor, y: Tensor): { sum: Tensor; n: number } {
    return { sum: x.add(y).mul(this.scale), n: 2 };
  }
}

describe('callable modules (Note [Callable modules])', () => {
  it('net(x) is net.forward(x) and net.call(x), for layers, user modules and losses', () => {
    dl.manualSeed(0);
    const net = new Net();
    const x = dl.randn([5, 4]);
    const y = net(x);
    expect(y.shape).toEqual([5, 3]);
    expect(y.toArraySync()).toEqual(net.forward(x).toArraySync());
    expect(net.call(x).toArraySync()).toEqual(y.toArraySync());
    const lin = new nn.Linear(4, 2);
    expect(lin(x).toArraySync()).toEqual(F.linear(x, lin.weight, lin.bias).toArraySync());
    const criterion = new nn.CrossEntropyLoss();
    const target = dl.tensor([0, 1, 2, 0, 1], { dtype: 'int32' });
    const loss = criterion(y, target);
    expect(loss.itemSync()).toBeCloseTo(F.crossEntropy(y, target).itemSync(), 6);
    loss.backward();
    expect(net.fc1.weight.grad?.shape).toEqual([8, 4]);
    expect(new nn.Softmax(1)(y).sum(1).toArraySync()).toEqual([1, 1, 1, 1, 1].map((v) => expect.closeTo(v, 6)));
    const sm = new nn.Softmax({ dim: 1 }); // PyTorch's nn.Softmax(dim=1)
    expect(String(sm)).toBe('Softmax(dim=1)');
    expect(sm(y).toArraySync()).toEqual(F.softmax(y, 1).toArraySync());
    expect(new nn.LogSoftmax({ dim: 0 })(y).toArraySync()).toEqual(F.logSoftmax(y, 0).toArraySync());
    const two = new TwoInputs();
    expect(two(dl.ones(2), dl.ones(2)).sum.toArraySync()).toEqual([4, 4]);
  });

  it('is typed as forward: parameters and result, for user subclasses too', () => {
    const net = new Net();
    const x = dl.randn([2, 4]);
    expectTypeOf(net(x)).toEqualTypeOf<Tensor>();
    expectTypeOf(new TwoInputs()(x, x)).toEqualTypeOf<{ sum: Tensor; n: number }>();
    expectTypeOf(new nn.MSELoss()).parameters.toEqualTypeOf<[input: Tensor, target: Tensor]>();
    expectTypeOf(net.call(x)).toEqualTypeOf<Tensor>();
    // a value typed only as Module takes anything and gives any, as PyTorch's Module.__call__
    const layers: nn.Module[] = [new nn.Linear(4, 4), new nn.ReLU()];
    let h = x;
    for (const layer of layers) h = layer(h);
    expect(h.shape).toEqual([2, 4]);
    // wrong argument types and counts are compile errors (the lines throw at run time too)
    // @ts-expect-error a string is not a Tensor
    expect(() => net('x')).toThrow();
    // @ts-expect-error two inputs needed
    expect(() => new TwoInputs()(x)).toThrow();
  });

  it('keeps what a class instance does: instanceof, fields, getters/setters, #private, `name`/`length` fields, Object.keys', () => {
    class Fancy extends nn.Module {
      override name = 'encoder'; // `override`: TypeScript sees a callable's Function members (Note [Callable modules])
      override length = 3;
      #secret = 7;
      fc = new nn.Linear(2, 2);
      private _scale = 1;
      get scale(): number {
        return this._scale;
      }
      set scale(v: number) {
        this._scale = v;
      }
      secret(): number {
        return this.#secret;
      }
      forward(x: Tensor): Tensor {
        return this.fc(x).mul(this.scale);
      }
    }
    const m = new Fancy();
    expect(typeof m).toBe('function');
    expect(m).toBeInstanceOf(Fancy);
    expect(m).toBeInstanceOf(nn.Module);
    expect(m.constructor).toBe(Fancy);
    expect([m.name, m.length, m.secret()]).toEqual(['encoder', 3, 7]);
    m.scale = 3;
    expect(m.scale).toBe(3);
    expect(m(dl.ones(1, 2)).toArraySync()).toEqual(m.fc(dl.ones(1, 2)).mul(3).toArraySync());
    expect(Object.keys(m)).toEqual(['training', 'name', 'length', 'fc', '_scale']);
    expect([...m.namedChildren()].map(([k]) => k)).toEqual(['fc']);
    expect(Object.keys(m.stateDict())).toEqual(['fc.weight', 'fc.bias']);
    // a module is a leaf of value walks, not a record of its fields
    const { fc, ...rest } = { ...m };
    expect(fc).toBe(m.fc);
    expect(rest).toEqual({ training: true, name: 'encoder', length: 3, _scale: 3 });
  });

  it('prints as PyTorch in console.log / util.inspect, nested too', () => {
    const net = new Net();
    const repr =
      'Net(\n  (fc1): Linear(in_features=4, out_features=8, bias=True)\n  (fc2): Linear(in_features=8, out_features=3, bias=True)\n)';
    expect(String(net)).toBe(repr);
    expect(inspect(net)).toBe(repr);
    expect(inspect(new nn.ReLU())).toBe('ReLU()');
    expect(inspect({ model: new nn.Linear(1, 1) })).toBe('{ model: Linear(in_features=1, out_features=1, bias=True) }');
    expect(inspect([new nn.Sequential(new nn.ReLU())])).toBe('[\n  Sequential(\n    (0): ReLU()\n  )\n]');
    expect(`${net}`).toBe(repr);
  });

  it('JSON.stringify gives the fields, not undefined', () => {
    const m = new nn.Sequential(new nn.Dropout(0.25));
    const json = JSON.parse(JSON.stringify({ m })) as { m: { training: boolean; '0': { p: number } } };
    expect(json.m.training).toBe(true);
    expect(json.m['0'].p).toBe(0.25);
  });

  it('dl.save of a module (a function object) still says to save its stateDict()', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dl-module-')), 'net.pt');
    await expect(dl.save({ model: new nn.Linear(2, 2) } as never, file)).rejects.toThrow(
      /cannot save a Linear at model[\s\S]*save module\.stateDict\(\)/,
    );
    await expect(dl.save(new nn.ReLU() as never, file.replace('.pt', '.safetensors'))).rejects.toThrow(
      /cannot save a ReLU[\s\S]*save module\.stateDict\(\)/,
    );
  });

  it('hooks run on net(x) as on net.forward(x)', () => {
    const lin = new nn.Linear(2, 2);
    const seen: string[] = [];
    lin.registerForwardPreHook(() => void seen.push('pre'));
    const h = lin.registerForwardHook((_m, _inp, out) => (out as Tensor).mul(0).add(5));
    expect(lin(dl.ones(1, 2)).toArraySync()).toEqual([[5, 5]]);
    expect(seen).toEqual(['pre']);
    h.remove();
    expect(lin(dl.ones(1, 2)).toArraySync()).not.toEqual([[5, 5]]);
  });

  it("net(x) is a library scope: forward's temporaries are freed, what it returns or stores is kept", () => {
    const temps: Tensor[] = [];
    class Temps extends nn.Module {
      last: Tensor | null = null;
      forward(x: Tensor): Tensor {
        this.last = x.mul(3);
        const a = x.mul(2);
        const b = a.add(1);
        temps.push(a, b);
        return b.mul(3);
      }
    }
    const m = new Temps();
    for (const call of [(x: Tensor) => m(x), (x: Tensor) => m.forward(x), (x: Tensor) => m.call(x)]) {
      temps.length = 0;
      const y = call(dl.ones(4));
      expect(temps.map((t) => t.isDisposed)).toEqual([true, true]);
      expect(y.isDisposed).toBe(false);
      expect(y.toArraySync()).toEqual([9, 9, 9, 9]);
      expect(m.last!.toArraySync()).toEqual([3, 3, 3, 3]);
    }
  });

  it('train/eval, to(), parameters and stateDict work on the callable', () => {
    const net = new Net();
    expect(net.eval()).toBe(net);
    expect(net.fc1.training).toBe(false);
    expect(net.parameters()).toHaveLength(4);
    net.to('float64');
    expect(net(dl.ones([1, 4], { dtype: 'float64' })).dtype).toBe('float64');
    const other = new Net().double();
    other.loadStateDict(net.stateDict());
    expect(other(dl.ones([1, 4], { dtype: 'float64' })).toArraySync()).toEqual(net(dl.ones([1, 4], { dtype: 'float64' })).toArraySync());
  });
});

describe('loadStateDict refuses what is not a state dict', () => {
  it.each([
    ['null', null, /got null/],
    ['undefined', undefined, /got undefined/],
    ['a number', 5, /got a number \(5\)/],
    ['a string', 'model.pt', /got a string \(model\.pt\)/],
    ['an array', [], /got an array/],
    ['a tensor', dl.ones(2), /got a Tensor of shape \[2\]/],
  ])('%s', (_name, value, message) => {
    const net = new nn.Linear(2, 2);
    expect(() => net.loadStateDict(value as never)).toThrow(dl.ArgumentError);
    expect(() => net.loadStateDict(value as never)).toThrow(message);
    expect(() => net.loadStateDict(value as never)).toThrow(/dl\.load/);
  });

  it('a module instead of its state dict says to call stateDict()', () => {
    const net = new nn.Linear(2, 2);
    expect(() => net.loadStateDict(new nn.Linear(2, 2) as never)).toThrow(/got a module \(Linear\)[\s\S]*other\.stateDict\(\)/);
  });

  it('a whole checkpoint says under which key the state dict is', () => {
    const net = new nn.Linear(2, 2);
    const checkpoint = { epoch: 3, model_state_dict: new nn.Linear(2, 2).stateDict() };
    expect(() => net.loadStateDict(checkpoint as never)).toThrow(dl.StateError);
    try {
      net.loadStateDict(checkpoint as never);
    } catch (e) {
      expect((e as dl.StateError).hint).toBe(
        `the state dict is under 'model_state_dict' of a checkpoint: net.loadStateDict(checkpoint["model_state_dict"])`,
      );
    }
  });

  it('a Map of tensors loads like a record', () => {
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    b.loadStateDict(new Map(Object.entries(a.stateDict())));
    expect(b.weight.toArraySync()).toEqual(a.weight.toArraySync());
  });
});
