import { describe, expect, expectTypeOf, it } from 'vitest';
import * as dl from '@dl/tensor';
import { IndexError, type Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from '../index.js';

const CONV1 = 'Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))';

describe('Sequential', () => {
  it('children by position are typed by position; negative indices count from the end', () => {
    const seq = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    expectTypeOf(seq.at(0)).toEqualTypeOf<nn.Linear>();
    expectTypeOf(seq.at(1)).toEqualTypeOf<nn.ReLU>();
    expectTypeOf(seq.at(-1)).toEqualTypeOf<nn.Linear | nn.ReLU>();
    expectTypeOf(seq(dl.ones(1, 4))).toEqualTypeOf<Tensor>();
    expect(seq.at(0).weight.shape).toEqual([3, 4]);
    expect(seq.at(-1)).toBe(seq.at(2));
    expect(seq.at(-3)).toBe(seq.at(0));
    expect(() => seq.at(3)).toThrow(dl.IndexError);
    expect(() => seq.at(-4)).toThrow(/index -4 is out of range \(length 3\)/);
    expect(seq.length).toBe(3);
    expect([...seq].map((m) => m._getName())).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(seq(dl.ones(1, 4)).shape).toEqual([1, 2]);
    expectTypeOf(() => seq.at(5)).returns.toEqualTypeOf<nn.Linear | nn.ReLU>(); // out of range: throws when called
    const empty = new nn.Sequential().append(new nn.ReLU());
    expectTypeOf(empty.at(0)).toEqualTypeOf<nn.Module>();
    expect(empty.at(0)._getName()).toBe('ReLU');
    const emptyList = new nn.ModuleList([]);
    expectTypeOf(() => emptyList.at(0)).returns.toEqualTypeOf<nn.Module>();
    const typedAsAny: nn.Sequential = seq;
    expectTypeOf(typedAsAny.at(0)).toEqualTypeOf<nn.Module>();
  });

  it.each([
    [
      'a Map',
      () =>
        new nn.Sequential(
          new Map<string, nn.Module>([
            ['conv1', new nn.Conv2d(1, 20, 5)],
            ['relu1', new nn.ReLU()],
          ]),
        ),
    ],
    ['a record', () => new nn.Sequential({ conv1: new nn.Conv2d(1, 20, 5), relu1: new nn.ReLU() })],
  ])('named children from %s: printed, state-dict keys, get(name), property', (_from, make) => {
    const seq: nn.Sequential = make();
    expect(String(seq)).toBe(`Sequential(\n  (conv1): ${CONV1}\n  (relu1): ReLU()\n)`);
    expect(Object.keys(seq.stateDict())).toEqual(['conv1.weight', 'conv1.bias']);
    expect(seq.get('conv1')).toBe(seq.at(0));
    expect((seq as unknown as { relu1: nn.Module }).relu1).toBe(seq.at(1));
    expect(() => seq.get('conv2')).toThrow(/no child named 'conv2' \(children: 'conv1', 'relu1'\)/);
    // a number is a position, as torch's seq[i] (negative from the end), whatever the names
    expect(seq.get(0)).toBe(seq.get('conv1'));
    expect(seq.get(-1)).toBe(seq.get('relu1'));
    expect(() => seq.get(2)).toThrow(/Sequential: index 2 is out of range for 2 children/);
    expect(() => seq.get(-3)).toThrow(IndexError);
    expect(seq(dl.ones(1, 1, 8, 8)).shape).toEqual([1, 20, 4, 4]);
    expect(seq.parameters()).toHaveLength(2);
  });

  it('a record types its children by name, as properties too', () => {
    const seq = new nn.Sequential({ conv1: new nn.Conv2d(1, 20, 5), relu1: new nn.ReLU() });
    expectTypeOf(seq.conv1).toEqualTypeOf<nn.Conv2d>();
    expectTypeOf(seq.get('relu1')).toEqualTypeOf<nn.ReLU>();
    // @ts-expect-error no child named conv2
    expect(() => seq.get('conv2')).toThrow(dl.IndexError);
    expect(seq.conv1.weight.shape).toEqual([20, 1, 5, 5]);
    // assigning the property replaces the child, as PyTorch's setattr
    seq.conv1 = new nn.Conv2d(1, 4, 3);
    expect(seq.at(0)).toBe(seq.conv1);
    expect(seq.conv1.outChannels).toBe(4);
    expect(Object.keys(seq.stateDict())).toEqual(['conv1.weight', 'conv1.bias']);
    expect(() => {
      (seq as unknown as { conv1: unknown }).conv1 = 5;
    }).toThrow(dl.ArgumentError);
  });

  it('matches PyTorch: append numbers after named children, slice keeps names, pop renumbers', () => {
    const seq = new nn.Sequential({ a: new nn.ReLU(), b: new nn.Tanh() });
    seq.append(new nn.Sigmoid());
    expect(String(seq)).toBe('Sequential(\n  (a): ReLU()\n  (b): Tanh()\n  (2): Sigmoid()\n)');
    expect(String(seq.slice(1))).toBe('Sequential(\n  (b): Tanh()\n  (2): Sigmoid()\n)');
    expect(seq.slice(1).at(0)).toBe(seq.at(1));
    expect(seq.pop(0)._getName()).toBe('ReLU');
    expect(String(seq)).toBe('Sequential(\n  (0): Tanh()\n  (1): Sigmoid()\n)');
    expect((seq as unknown as { b?: unknown }).b).toBeUndefined();
    const pos = new nn.Sequential(new nn.ReLU(), new nn.Tanh());
    pos.insert(-1, new nn.ELU());
    expect(String(pos)).toBe('Sequential(\n  (0): ReLU()\n  (1): ELU(alpha=1.0)\n  (2): Tanh()\n)');
    pos.extend([new nn.Sigmoid()]);
    expect(pos.length).toBe(4);
    expect(() => pos.insert(7, new nn.ReLU())).toThrow(dl.IndexError);
    expect(() => new nn.Sequential({ a: new nn.ReLU() }).insert(0, new nn.Tanh())).toThrow(/children are named/);
  });

  it('a name that is a method or all digits is reached only with get()', () => {
    const seq = new nn.Sequential(
      new Map<string, nn.Module>([
        ['forward', new nn.ReLU()],
        ['7', new nn.Tanh()],
      ]),
    );
    expect(typeof seq.forward).toBe('function');
    expect(seq.get('forward')._getName()).toBe('ReLU');
    expect(seq.get('7')._getName()).toBe('Tanh');
    expect(seq(dl.tensor([-1, 2])).toArraySync()).toEqual([0, expect.closeTo(Math.tanh(2), 6)]);
  });

  it('bad arguments are typed errors, never an empty Sequential', () => {
    expect(() => new nn.Sequential(5 as never)).toThrow(/argument 0 must be a Module, got number 5/);
    expect(() => new nn.Sequential(new nn.ReLU(), 'relu' as never)).toThrow(/argument 1 must be a Module, got string relu/);
    expect(() => new nn.Sequential([new nn.ReLU()] as never)).toThrow(/got an array[\s\S]*new nn\.Sequential\(\.\.\.layers\)/);
    expect(() => new nn.Sequential(new Map([['a', 5]]) as never)).toThrow(/entry 'a' must be a Module, got number 5/);
    expect(() => new nn.Sequential(new Map([[1, new nn.ReLU()]]) as never)).toThrow(/module names must be strings/);
    expect(() => new nn.Sequential({ 'a.b': new nn.ReLU() })).toThrow(/module name can't contain "\."/);
    expect(() => new nn.Sequential({ '': new nn.ReLU() })).toThrow(/module name can't be empty/);
    expect(() => new nn.Sequential(null as never)).toThrow(dl.ArgumentError);
    expect(new nn.Sequential(new Map()).length).toBe(0); // an empty Map is an empty Sequential, as OrderedDict()
    expect(new nn.Sequential().length).toBe(0);
  });

  it("seq[i] and seq[-1] read and replace children by position, as PyTorch's indexing", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expect(seq[0]).toBe(seq.at(0));
    expect(seq[-1]).toBe(seq.at(2));
    expect(seq[3]).toBeUndefined();
    (seq as nn.Sequential)[1] = new nn.Tanh(); // a typed Sequential refuses a Tanh where a ReLU was
    expect(String(seq)).toContain('(1): Tanh()');
    expect(() => {
      (seq as unknown as Record<number, unknown>)[0] = 5;
    }).toThrow(dl.ArgumentError);
    seq.append(new nn.Sigmoid());
    expect(String(seq[3])).toBe('Sigmoid()');
    expect(String(seq[-1])).toBe('Sigmoid()');
    seq.pop(0);
    expect(seq[3]).toBeUndefined();
    expect(String(seq[0])).toBe('Tanh()');
    expect(Object.keys(seq)).not.toContain('0');
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.ReLU() });
    expect(named[1]).toBe(named.get('act'));
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.ReLU()]);
    expect(list[-1]).toBe(list.at(1));
    list.insert(0, new nn.Tanh());
    expect(String(list[0])).toBe('Tanh()');
    expect(list[2]).toBe(list.at(-1));
  });

  it('can be subclassed', () => {
    class Block extends nn.Sequential {
      constructor(c: number) {
        super(new nn.Linear(c, c), new nn.ReLU());
      }
    }
    const b = new Block(3);
    expect(b).toBeInstanceOf(nn.Sequential);
    expect(String(b)).toBe('Block(\n  (0): Linear(in_features=3, out_features=3, bias=True)\n  (1): ReLU()\n)');
    expectTypeOf(b(dl.ones(1, 3))).toEqualTypeOf<Tensor>();
    expect(b(dl.ones(1, 3)).shape).toEqual([1, 3]);
  });
});

describe('ModuleList', () => {
  it('indexes (negative too), iterates, slices, pops like PyTorch', () => {
    const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Tanh()]);
    expectTypeOf(list.at(0)).toEqualTypeOf<nn.Linear>();
    expect(list.length).toBe(2);
    expect(list.at(-1)._getName()).toBe('Tanh');
    expect(() => list.at(-3)).toThrow(/index -3 is out of range/);
    let x = dl.ones(1, 2);
    for (const layer of list) x = layer(x);
    expect(x.shape).toEqual([1, 2]);
    expect(String(list.slice(1))).toBe('ModuleList(\n  (0): Tanh()\n)');
    list.insert(0, new nn.Sigmoid());
    expect(String(list)).toBe('ModuleList(\n  (0): Sigmoid()\n  (1): Linear(in_features=2, out_features=2, bias=True)\n  (2): Tanh()\n)');
    expect(list.pop(0)._getName()).toBe('Sigmoid');
    expect(Object.keys(list.stateDict())).toEqual(['0.weight', '0.bias']);
    expect(() => list()).toThrow(/ModuleList has no forward/);
  });

  it('bad arguments are typed errors', () => {
    expect(() => new nn.ModuleList([5] as never)).toThrow(/must be a Module, got number 5/);
    expect(() => new nn.ModuleList(new nn.ReLU() as never)).toThrow(/expected an array \(or iterable\) of modules, got a module \(ReLU\)/);
    expect(() => new nn.ModuleList(null as never)).toThrow(dl.ArgumentError);
    expect(
      new nn.ModuleList(
        (function* () {
          yield new nn.ReLU();
        })(),
      ).length,
    ).toBe(1);
  });
});

describe('ModuleDict', () => {
  it('by key (typed), as properties, iterates keys like PyTorch, pop/update/len', () => {
    const d = new nn.ModuleDict({ act: new nn.LeakyReLU(), norm: new nn.LayerNorm(4) });
    expectTypeOf(d.get('act')).toEqualTypeOf<nn.LeakyReLU>();
    expectTypeOf(d.norm).toEqualTypeOf<nn.LayerNorm>();
    expect(d.norm).toBe(d.get('norm'));
    expect([...d]).toEqual(['act', 'norm']);
    expect(d.length).toBe(2);
    expect(d.keys()).toEqual(['act', 'norm']);
    expect(Object.keys(d.stateDict())).toEqual(['norm.weight', 'norm.bias']);
    expect(d.pop('act')._getName()).toBe('LeakyReLU');
    expect((d as unknown as { act?: unknown }).act).toBeUndefined();
    expect(() => d.pop('act')).toThrow(/no key 'act' \(keys: 'norm'\)/);
    d.update(new Map([['tanh', new nn.Tanh()]]));
    expect(d.keys()).toEqual(['norm', 'tanh']);
    d.clear();
    expect(d.length).toBe(0);
    const pairs = new nn.ModuleDict([['a', new nn.ReLU()]]);
    expect(String(pairs)).toBe('ModuleDict(\n  (a): ReLU()\n)');
  });

  it('bad arguments are typed errors', () => {
    expect(() => new nn.ModuleDict({ a: 5 } as never)).toThrow(/entry 'a' must be a Module, got number 5/);
    expect(() => new nn.ModuleDict(new nn.ReLU() as never)).toThrow(/expected a record, Map or list of \[name, module\] pairs/);
    expect(() => new nn.ModuleDict([new nn.ReLU()] as never)).toThrow(/entry 0 is a ReLU|entry 0 is/);
    expect(() => new nn.ModuleDict({ 'x.y': new nn.ReLU() })).toThrow(/can't contain "\."/);
    expect(() => new nn.ModuleDict().set('', new nn.ReLU())).toThrow(/can't be empty/);
  });
});
