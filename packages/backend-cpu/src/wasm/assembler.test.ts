import { describe, expect, it } from 'vitest';
import { ModuleBuilder, Op, relaxedSimdProbe, relaxedSimdSupported, sleb, uleb, ValType } from './assembler.js';

function instantiate(m: ModuleBuilder, imports: WebAssembly.Imports = {}): WebAssembly.Exports {
  const bytes = m.toBytes();
  expect(WebAssembly.validate(bytes)).toBe(true);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
}

describe('LEB128', () => {
  it('encodes unsigned values', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([127]);
    expect(uleb(128)).toEqual([0x80, 1]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => uleb(-1)).toThrow(RangeError);
  });
  it('encodes signed values', () => {
    expect(sleb(0)).toEqual([0]);
    expect(sleb(63)).toEqual([63]);
    expect(sleb(64)).toEqual([0xc0, 0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe('ModuleBuilder', () => {
  it('builds an empty valid module', () => {
    expect(WebAssembly.validate(new ModuleBuilder().toBytes())).toBe(true);
  });

  it('runs i32 arithmetic, locals, loops and branches', () => {
    const m = new ModuleBuilder();
    const add = m.addFunction([ValType.i32, ValType.i32], [ValType.i32], [], (b) => b.localGet(0).localGet(1).op(Op.i32Add));
    // sum of 0..n-1 with a loop
    const sum = m.addFunction([ValType.i32], [ValType.i32], [ValType.i32, ValType.i32], (b) => {
      b.block().loop();
      b.localGet(1).localGet(0).op(Op.i32GeS).brIf(1);
      b.localGet(2).localGet(1).op(Op.i32Add).localSet(2);
      b.localGet(1).i32Const(1).op(Op.i32Add).localSet(1);
      b.br(0);
      b.end().end();
      b.localGet(2);
    });
    const neg = m.addFunction([], [ValType.i32], [], (b) => b.i32Const(-100000));
    m.exportFunction('add', add);
    m.exportFunction('sum', sum);
    m.exportFunction('neg', neg);
    const ex = instantiate(m) as { add(a: number, b: number): number; sum(n: number): number; neg(): number };
    expect(ex.add(2, 40)).toBe(42);
    expect(ex.sum(100)).toBe(4950);
    expect(ex.neg()).toBe(-100000);
  });

  it('imports functions and if/else', () => {
    const m = new ModuleBuilder();
    const log = m.importFunction('env', 'twice', [ValType.i32], [ValType.i32]);
    const f = m.addFunction([ValType.i32], [ValType.i32], [ValType.i32], (b) => {
      b.localGet(0).if().localGet(0).call(log).localSet(1).else().i32Const(7).localSet(1).end();
      b.localGet(1);
    });
    m.exportFunction('f', f);
    const ex = instantiate(m, { env: { twice: (x: number) => 2 * x } }) as { f(x: number): number };
    expect(ex.f(5)).toBe(10);
    expect(ex.f(0)).toBe(7);
  });

  it('defines and exports memory; runs SIMD load/splat/mul/add/store', () => {
    const m = new ModuleBuilder();
    m.addMemory(1);
    m.exportMemory('memory');
    // out[0..4) = x[0..4) * s + y[0..4)   (x at 0, y at 16, out at 32)
    const f = m.addFunction([ValType.f32], [], [], (b) => {
      b.i32Const(32);
      b.i32Const(0).v128Load().localGet(0).f32x4Splat().f32x4Mul();
      b.i32Const(0).v128Load(16).f32x4Add();
      b.v128Store();
    });
    // splat a scalar from memory, then extract lane 2 as f32
    const g = m.addFunction([], [ValType.f32], [], (b) => b.i32Const(4).v128Load32Splat().f32x4ExtractLane(2));
    m.exportFunction('f', f);
    m.exportFunction('g', g);
    const ex = instantiate(m) as { memory: WebAssembly.Memory; f(s: number): void; g(): number };
    const mem = new Float32Array(ex.memory.buffer);
    mem.set([1, 2, 3, 4, 10, 20, 30, 40]);
    ex.f(3);
    expect(Array.from(mem.subarray(8, 12))).toEqual([13, 26, 39, 52]);
    expect(ex.g()).toBe(2);
  });

  it('imports shared memory', () => {
    const m = new ModuleBuilder();
    m.importMemory('env', 'memory', 1, 4, true);
    const f = m.addFunction([ValType.i32], [ValType.f32], [], (b) => b.localGet(0).f32Load());
    m.exportFunction('f', f);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    new Float32Array(memory.buffer)[3] = 1.5;
    const ex = instantiate(m, { env: { memory } }) as { f(p: number): number };
    expect(ex.f(12)).toBe(1.5);
  });

  it('detects relaxed SIMD and, when present, runs relaxed_madd', () => {
    const ok = relaxedSimdSupported();
    expect(typeof ok).toBe('boolean');
    expect(WebAssembly.validate(relaxedSimdProbe())).toBe(ok);
    if (!ok) return;
    const m = new ModuleBuilder();
    m.addMemory(1);
    m.exportMemory('memory');
    const f = m.addFunction([], [], [], (b) => {
      b.i32Const(48);
      b.i32Const(0).v128Load().i32Const(0).v128Load(16).i32Const(0).v128Load(32).f32x4RelaxedMadd();
      b.v128Store();
    });
    m.exportFunction('f', f);
    const ex = instantiate(m) as { memory: WebAssembly.Memory; f(): void };
    const mem = new Float32Array(ex.memory.buffer);
    mem.set([1, 2, 3, 4, 5, 6, 7, 8, 0.5, 0.5, 0.5, 0.5]);
    ex.f();
    expect(Array.from(mem.subarray(12, 16))).toEqual([5.5, 12.5, 21.5, 32.5]);
  });
});
