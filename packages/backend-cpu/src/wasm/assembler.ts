/**
 * A tiny WebAssembly assembler: enough of the binary format to emit the GEMM kernels
 * of this folder at run time from TypeScript, so no toolchain and no prebuilt binary
 * are involved. It writes the type, import, function, memory, export and code
 * sections, LEB128 integers, and the scalar and 128-bit SIMD opcodes the kernels use.
 *
 * @example
 * const m = new ModuleBuilder();
 * const f = m.addFunction([ValType.i32, ValType.i32], [ValType.i32], [], (b) =>
 *   b.localGet(0).localGet(1).op(Op.i32Add));
 * m.exportFunction('add', f);
 * const { add } = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes())).exports;
 */

/** Value types. */
export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
} as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Single-byte opcodes (control, variables, scalar numeric). */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  i32Store: 0x36,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  f32Add: 0x92,
  f32Mul: 0x94,
} as const;

/** SIMD opcodes (prefix 0xfd, then this LEB128 sub-opcode). */
export const SimdOp = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  /** relaxed-SIMD: a * b + c, fused or not at the engine's choice. */
  f32x4RelaxedMadd: 0x105,
} as const;

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`uleb: ${n} is not a non-negative integer`);
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32 constants; any safe integer). */
export function sleb(n: number, out: number[] = []): number[] {
  if (!Number.isSafeInteger(n)) throw new RangeError(`sleb: ${n} is not a safe integer`);
  for (;;) {
    const byte = ((n % 128) + 128) % 128; // low 7 bits, two's complement
    n = Math.floor(n / 128);
    const signBit = (byte & 0x40) !== 0;
    if ((n === 0 && !signBit) || (n === -1 && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function encodeString(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  for (const b of bytes) out.push(b);
}

/** Emits the instructions of one function body. Methods chain. */
export class CodeBuilder {
  readonly bytes: number[] = [];

  /** Raw opcode bytes. */
  op(...codes: number[]): this {
    for (const c of codes) this.bytes.push(c);
    return this;
  }
  i32Const(n: number): this {
    this.bytes.push(Op.i32Const);
    sleb(n | 0, this.bytes);
    return this;
  }
  f32Const(x: number): this {
    this.bytes.push(Op.f32Const);
    const f = new Float32Array([x]);
    for (const b of new Uint8Array(f.buffer)) this.bytes.push(b);
    return this;
  }
  localGet(i: number): this {
    this.bytes.push(Op.localGet);
    uleb(i, this.bytes);
    return this;
  }
  localSet(i: number): this {
    this.bytes.push(Op.localSet);
    uleb(i, this.bytes);
    return this;
  }
  localTee(i: number): this {
    this.bytes.push(Op.localTee);
    uleb(i, this.bytes);
    return this;
  }
  /** `block` with an empty result. */
  block(): this {
    this.bytes.push(Op.block, 0x40);
    return this;
  }
  /** `loop` with an empty result. */
  loop(): this {
    this.bytes.push(Op.loop, 0x40);
    return this;
  }
  /** `if` with an empty result. */
  if(): this {
    this.bytes.push(Op.if, 0x40);
    return this;
  }
  else(): this {
    this.bytes.push(Op.else);
    return this;
  }
  end(): this {
    this.bytes.push(Op.end);
    return this;
  }
  br(depth: number): this {
    this.bytes.push(Op.br);
    uleb(depth, this.bytes);
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(Op.brIf);
    uleb(depth, this.bytes);
    return this;
  }
  call(funcIndex: number): this {
    this.bytes.push(Op.call);
    uleb(funcIndex, this.bytes);
    return this;
  }
  /** A memory instruction with its memarg (alignment as log2 bytes, byte offset). */
  mem(opcode: number, alignLog2: number, offset = 0): this {
    this.bytes.push(opcode);
    uleb(alignLog2, this.bytes);
    uleb(offset, this.bytes);
    return this;
  }
  i32Load(offset = 0): this {
    return this.mem(Op.i32Load, 2, offset);
  }
  i32Store(offset = 0): this {
    return this.mem(Op.i32Store, 2, offset);
  }
  f32Load(offset = 0): this {
    return this.mem(Op.f32Load, 2, offset);
  }
  f32Store(offset = 0): this {
    return this.mem(Op.f32Store, 2, offset);
  }
  /** A SIMD instruction without immediates. */
  simd(sub: number): this {
    this.bytes.push(0xfd);
    uleb(sub, this.bytes);
    return this;
  }
  private simdMem(sub: number, alignLog2: number, offset: number): this {
    this.simd(sub);
    uleb(alignLog2, this.bytes);
    uleb(offset, this.bytes);
    return this;
  }
  v128Load(offset = 0): this {
    return this.simdMem(SimdOp.v128Load, 4, offset);
  }
  v128Store(offset = 0): this {
    return this.simdMem(SimdOp.v128Store, 4, offset);
  }
  v128Load32Splat(offset = 0): this {
    return this.simdMem(SimdOp.v128Load32Splat, 2, offset);
  }
  /** v128.const from 16 bytes (defaults to zero). */
  v128Const(bytes: ArrayLike<number> = new Uint8Array(16)): this {
    if (bytes.length !== 16) throw new RangeError('v128.const needs 16 bytes');
    this.simd(SimdOp.v128Const);
    for (let i = 0; i < 16; i++) this.bytes.push(bytes[i]! & 0xff);
    return this;
  }
  f32x4Splat(): this {
    return this.simd(SimdOp.f32x4Splat);
  }
  f32x4ExtractLane(lane: number): this {
    this.simd(SimdOp.f32x4ExtractLane);
    this.bytes.push(lane);
    return this;
  }
  f32x4Add(): this {
    return this.simd(SimdOp.f32x4Add);
  }
  f32x4Mul(): this {
    return this.simd(SimdOp.f32x4Mul);
  }
  f32x4RelaxedMadd(): this {
    return this.simd(SimdOp.f32x4RelaxedMadd);
  }
}

interface FuncType {
  params: readonly ValType[];
  results: readonly ValType[];
}

interface FuncDef {
  typeIndex: number;
  locals: readonly ValType[];
  body: number[];
}

interface MemoryDef {
  min: number;
  max: number | undefined;
  shared: boolean;
}

/** Builds a whole module; functions are numbered imports first, then definitions. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly funcImports: { module: string; name: string; typeIndex: number }[] = [];
  private memImport: ({ module: string; name: string } & MemoryDef) | undefined;
  private memDef: MemoryDef | undefined;
  private readonly funcs: FuncDef[] = [];
  private readonly exports: { name: string; kind: number; index: number }[] = [];

  /** Index of the function type (params) -> (results), added once. */
  addType(params: readonly ValType[], results: readonly ValType[]): number {
    const i = this.types.findIndex((t) => t.params.join() === params.join() && t.results.join() === results.join());
    if (i >= 0) return i;
    this.types.push({ params: [...params], results: [...results] });
    return this.types.length - 1;
  }

  /** Import a host function; returns its function index. Call before `addFunction`. */
  importFunction(module: string, name: string, params: readonly ValType[], results: readonly ValType[]): number {
    if (this.funcs.length > 0) throw new Error('importFunction: import functions before defining any');
    this.funcImports.push({ module, name, typeIndex: this.addType(params, results) });
    return this.funcImports.length - 1;
  }

  /** Import memory 0 (`shared` needs `max`). */
  importMemory(module: string, name: string, min: number, max?: number, shared = false): void {
    if (shared && max === undefined) throw new Error('importMemory: shared memory needs a maximum');
    if (this.memDef) throw new Error('importMemory: the module already defines a memory');
    this.memImport = { module, name, min, max, shared };
  }

  /** Define memory 0 in the module. */
  addMemory(min: number, max?: number, shared = false): void {
    if (shared && max === undefined) throw new Error('addMemory: shared memory needs a maximum');
    if (this.memImport) throw new Error('addMemory: the module already imports a memory');
    this.memDef = { min, max, shared };
  }

  /**
   * Define a function. Locals are numbered after the params; `emit` writes the body
   * (the final `end` is added). Returns the function index.
   */
  addFunction(params: readonly ValType[], results: readonly ValType[], locals: readonly ValType[], emit: (b: CodeBuilder) => void): number {
    const b = new CodeBuilder();
    emit(b);
    b.end();
    this.funcs.push({ typeIndex: this.addType(params, results), locals: [...locals], body: b.bytes });
    return this.funcImports.length + this.funcs.length - 1;
  }

  exportFunction(name: string, index: number): void {
    this.exports.push({ name, kind: 0x00, index });
  }

  exportMemory(name: string): void {
    this.exports.push({ name, kind: 0x02, index: 0 });
  }

  /** The module's binary. */
  toBytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]): void => {
      out.push(id);
      uleb(content.length, out);
      for (const x of content) out.push(x);
    };
    const limits = (m: MemoryDef, s: number[]): void => {
      if (m.max === undefined) {
        s.push(0x00);
        uleb(m.min, s);
      } else {
        s.push(m.shared ? 0x03 : 0x01);
        uleb(m.min, s);
        uleb(m.max, s);
      }
    };

    // 1: types
    {
      const s: number[] = [];
      uleb(this.types.length, s);
      for (const t of this.types) {
        s.push(0x60);
        uleb(t.params.length, s);
        s.push(...t.params);
        uleb(t.results.length, s);
        s.push(...t.results);
      }
      section(1, s);
    }
    // 2: imports
    const nImports = this.funcImports.length + (this.memImport ? 1 : 0);
    if (nImports > 0) {
      const s: number[] = [];
      uleb(nImports, s);
      for (const imp of this.funcImports) {
        encodeString(imp.module, s);
        encodeString(imp.name, s);
        s.push(0x00);
        uleb(imp.typeIndex, s);
      }
      if (this.memImport) {
        encodeString(this.memImport.module, s);
        encodeString(this.memImport.name, s);
        s.push(0x02);
        limits(this.memImport, s);
      }
      section(2, s);
    }
    // 3: function declarations
    if (this.funcs.length > 0) {
      const s: number[] = [];
      uleb(this.funcs.length, s);
      for (const f of this.funcs) uleb(f.typeIndex, s);
      section(3, s);
    }
    // 5: memory
    if (this.memDef) {
      const s: number[] = [1];
      limits(this.memDef, s);
      section(5, s);
    }
    // 7: exports
    if (this.exports.length > 0) {
      const s: number[] = [];
      uleb(this.exports.length, s);
      for (const e of this.exports) {
        encodeString(e.name, s);
        s.push(e.kind);
        uleb(e.index, s);
      }
      section(7, s);
    }
    // 10: code
    if (this.funcs.length > 0) {
      const s: number[] = [];
      uleb(this.funcs.length, s);
      for (const f of this.funcs) {
        const body: number[] = [];
        // run-length encode the locals
        const groups: [number, ValType][] = [];
        for (const t of f.locals) {
          const last = groups[groups.length - 1];
          if (last && last[1] === t) last[0]++;
          else groups.push([1, t]);
        }
        uleb(groups.length, body);
        for (const [n, t] of groups) {
          uleb(n, body);
          body.push(t);
        }
        for (const x of f.body) body.push(x);
        uleb(body.length, s);
        for (const x of body) s.push(x);
      }
      section(10, s);
    }
    return new Uint8Array(out);
  }
}

let relaxedCache: boolean | undefined;

/** A module using `f32x4.relaxed_madd`, to probe engine support. */
export function relaxedSimdProbe(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.addFunction([], [ValType.v128], [], (b) => b.v128Const().v128Const().v128Const().f32x4RelaxedMadd());
  return m.toBytes();
}

/**
 * Does this engine accept relaxed SIMD? On Node 20 (V8 11.3) relaxed SIMD sits behind
 * `--experimental-wasm-relaxed-simd`; unless `DL_WASM_RELAXED_SIMD=0`, we switch that
 * flag on at run time through `v8.setFlagsFromString` (the feature is standard and on
 * by default from Node 22) and probe again.
 *
 * @example
 * import { relaxedSimdSupported } from '@dl/backend-cpu';
 * relaxedSimdSupported(); // → true where the engine accepts relaxed SIMD (Node ≥ 22, or Node 20 with the flag set at run time)
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedCache !== undefined) return relaxedCache;
  const probe = relaxedSimdProbe();
  let ok = WebAssembly.validate(probe);
  const env = typeof process !== 'undefined' ? process.env?.DL_WASM_RELAXED_SIMD : undefined;
  if (env === '0') ok = false;
  else if (!ok && typeof process !== 'undefined' && process.versions?.node) {
    try {
      const v8 = nodeV8();
      if (v8) {
        v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
        ok = WebAssembly.validate(probe);
      }
    } catch {
      ok = false;
    }
  }
  relaxedCache = ok;
  return ok;
}

/** `node:v8` through `process.getBuiltinModule` (Node >= 20.16), without a static import. */
function nodeV8(): { setFlagsFromString(flags: string): void } | undefined {
  const p = process as unknown as { getBuiltinModule?: (id: string) => unknown };
  if (typeof p.getBuiltinModule !== 'function') return undefined;
  return p.getBuiltinModule('node:v8') as { setFlagsFromString(flags: string): void };
}
