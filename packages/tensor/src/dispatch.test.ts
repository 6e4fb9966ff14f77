import { beforeAll, describe, expect, it } from 'vitest';
import { inPlace, recordOp, runKernel, setDispatchObserver, type DispatchObserver } from './dispatch.js';
import * as dl from './everything.js';
import { toyBackend } from './testing/toy-backend.js';

describe('the dispatcher (toy backends)', () => {
  beforeAll(() => {
    dl.registerBackend(toyBackend('toy', ['float32', 'int32']));
    dl.registerBackend(toyBackend('toy2'));
    dl.setDefaultDevice('toy'); // this file's own module graph: no other device is registered
  });

  it('runs a kernel on strided views and writes the destination', () => {
    const a = dl.tensor([1, 2, 3, 4]).view(2, 2);
    const out = dl.zeros(2, 2);
    runKernel('test', 'binary', 'add', a, { of: a, shape: [2, 2], strides: [1, 2], offset: 0 }, out);
    expect(out.toArraySync()).toEqual([
      [2, 5],
      [5, 8],
    ]);
  });

  it('names the op, shapes, dtypes and devices when operands are on two devices', () => {
    const a = dl.ones([2, 3]);
    const b = dl.ones([3], { device: 'toy2' });
    let err: unknown;
    try {
      runKernel('myop', 'binary', 'add', a, b, dl.zeros(2, 3));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(dl.DeviceError);
    const e = err as dl.DeviceError;
    expect(e.op).toBe('myop');
    expect(e.message).toContain('float32 [2, 3] on toy, float32 [3] on toy2');
    expect(e.hint).toContain(".to('toy')");
  });

  it('refuses operands whose dtypes break the kernel contract, with a typed error', () => {
    const a = dl.ones([2]);
    const b = dl.ones([2], { dtype: 'int32' });
    expect(() => runKernel('myop', 'binary', 'mul', a, b, dl.zeros(2))).toThrow(dl.DTypeError);
    expect(() => runKernel('myop', 'binary', 'mul', a, b, dl.zeros(2))).toThrow(
      /myop: the binary kernel got operands of mismatched dtypes \(float32 \[2\] on toy, int32 \[2\] on toy, float32 \[2\] on toy\)/,
    );
  });

  it('refuses disposed operands', () => {
    const a = dl.ones([2]);
    a.dispose();
    expect(() => runKernel('myop', 'unary', 'neg', a, dl.zeros(2))).toThrow(dl.StateError);
  });

  it('bumps the version of destinations written in place only (a new tensor starts at 0)', () => {
    const a = dl.ones([3]);
    const y = a.add(a);
    expect(y._version).toBe(0);
    y.add_(a);
    expect(y._version).toBe(1);
    dl.add(a, a, { out: y });
    expect(y._version).toBe(2);
    runKernel('fill_', 'fill', inPlace(y), 0);
    expect(y._version).toBe(3);
    expect(a._version).toBe(0);
  });

  it('tells an observer about op entries, kernels, allocations and records', () => {
    const seen: string[] = [];
    const o: DispatchObserver = {
      enter: (op) => seen.push(`enter ${op}`),
      exit: () => seen.push('exit'),
      kernel: (op, primitive, be, run) => {
        seen.push(`kernel ${op}/${primitive} on ${be.name}`);
        run();
      },
      alloc: (t) => seen.push(`alloc ${t.shape.join('x')}`),
      record: (op) => seen.push(`record ${op}`),
    };
    const a = dl.ones([2]);
    setDispatchObserver(o);
    try {
      const y = a.exp();
      recordOp('clone', [a], y, {});
    } finally {
      setDispatchObserver(null);
    }
    expect(seen).toEqual(['enter exp', 'alloc 2', 'kernel exp/exp on toy', 'record exp', 'exit', 'record clone']);
    a.neg(); // no observer: nothing more
    expect(seen.length).toBe(6);
  });
});
