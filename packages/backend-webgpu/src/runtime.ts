/// <reference types="@webgpu/types" />
import { BackendError, hostArray } from '@dl/tensor';
import type { DType, HostArray } from '@dl/tensor';
import { BindGroupBudget, BindingCache } from './bind-groups.js';
import { BufferPool } from './pool.js';
import { declBindings } from './wgsl.js';
import { KernelTiming } from './kernel-timing.js';
import { DeviceErrors, ERROR_BYTES } from './device-errors.js';

// GPUBufferUsage / GPUMapMode values (not every host defines the globals).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;

/**
 * The buffer object webgpu kernels receive as `TensorView.buffer`.
 *
 * Note [Async spill]
 * A step boundary hands tensors that reached user code to the garbage collector (Note [Storage
 * ownership] in @dl/tensor). A GPU buffer cannot be read synchronously, so `spill` queues a copy
 * into a mappable buffer and returns at once; when the copy has landed (the next time the event
 * loop turns, e.g. at `await loss.item()`), the values move into `host` (a typed array the GC
 * owns) and the GPU buffer goes back to the pool — unless the buffer was written meanwhile
 * (`writes` changed) or freed. A kernel that later binds a spilled buffer uploads `host` again
 * (`resident`); such a buffer is freed by `free` or, once its tensors are collected, by a
 * finalizer.
 */
export interface GpuBuf {
  /** the GPU buffer; null while the values live in `host` only */
  gpu: GPUBuffer | null;
  /** bytes of the GPU buffer (its pool bucket) */
  readonly size: number;
  readonly numel: number;
  freed: boolean;
  /** the values, once spilled (32-bit words) */
  host: Uint32Array | null;
  /** 'pending' while the copy for a spill is in flight */
  spill: 'none' | 'pending' | 'done';
  /** kernels and writes that wrote into it (a spill in flight is dropped if this changes) */
  writes: number;
  /** the word every element holds once a deferred fill runs (Note [Scalars as parameters]); null or absent: none pending */
  konst?: number | null;
}

/** Buffers made resident again after a spill: their GPU memory returns when they are collected. */
const residentNet = new FinalizationRegistry<{ rt: Runtime; gpu: GPUBuffer; size: number }>(({ rt, gpu, size }) =>
  rt.giveBackCollected(gpu, size),
);

/** A buffer a kernel binds, and how. */
export interface BindReq {
  buf: GpuBuf;
  write?: boolean;
  atomic?: boolean;
}

/** Bindings after merging views of one buffer (WebGPU forbids binding one buffer twice writable). */
export interface Bound {
  /** binding name for each request, in order (`B0`…) */
  names: string[];
  unique: GpuBuf[];
  /** WGSL declarations of P and the buffers */
  decl: string;
  /** part of the pipeline key (the aliasing pattern) */
  key: string;
  /** access of each unique buffer: `r`, `w` or `a` (its bind-group layout, Note [Cached layouts and bind groups]) */
  access: string;
}

export function bind(reqs: readonly BindReq[]): Bound {
  const unique: GpuBuf[] = [];
  const writable: boolean[] = [];
  const atomic: boolean[] = [];
  const names: string[] = [];
  const slots: number[] = [];
  for (const r of reqs) {
    if (r.write) r.buf.writes++;
    let s = unique.indexOf(r.buf);
    if (s < 0) {
      s = unique.length;
      unique.push(r.buf);
      writable.push(false);
      atomic.push(false);
    }
    if (r.write) writable[s] = true;
    if (r.atomic) atomic[s] = true;
    slots.push(s);
    names.push(`B${s}`);
  }
  const access = atomic.map((a, i) => (a ? 'a' : writable[i] ? 'w' : 'r')).join('');
  return { names, unique, decl: declBindings(unique.length, writable, atomic), key: slots.join('') + access, access };
}

/** Threads (1-D, split into a 2-D grid of groups) or explicit workgroup counts. */
export type Grid = { threads: number; wg: number } | { groups: [number, number, number] };

const ARENA_BYTES = 1 << 18;
/** Dispatches per submitted command buffer. */
const BATCH = 64;
/** Submits in one task past which the runtime warns that the loop never yields. */
const NO_TURN_WARN_SUBMITS = 256;

/**
 * Note [Batching]
 * Kernels encode into one open compute pass of one command encoder; the batch is
 * submitted every {@link BATCH} dispatches, before a write or read, and at the end of
 * the current synchronous task (microtask). Kernel parameters (shapes, strides,
 * offsets) go to a CPU arena uploaded with `writeBuffer` right before the submit, so
 * one GPU buffer carries them all; queue order makes reusing it safe for the next batch.
 * Errors (validation, OOM) are caught by an error scope around each batch and thrown,
 * as `BackendError`, by the next kernel, `read` or `sync`.
 *
 * @internal
 */
export class Runtime {
  readonly pool: BufferPool;
  readonly limits: GPUSupportedLimits;
  /** Index errors found by kernels (Note [Deferred GPU errors]). */
  readonly errors: DeviceErrors;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly arena: GPUBuffer;
  private readonly arenaCpu = new Uint32Array(ARENA_BYTES / 4);
  private arenaUsed = 0;
  private readonly align: number;
  private scopeOpen = false;
  private checks: Promise<void>[] = [];
  private error: BackendError | null = null;
  private lostInfo: string | null = null;
  private destroyed = false;
  private timing: KernelTiming | null = null;
  private spills: Array<{ b: GpuBuf; staging: GPUBuffer; writes: number }> = [];
  submissions = 0;
  private dispatchTotal = 0;
  /** Submits since the event loop last turned (see `noteSubmit`). */
  private submitsThisTask = 0;
  /** Bind groups made since the event loop last turned (Note [Bind groups without the event loop]). */
  readonly bindGroups = new BindGroupBudget();
  private turnArmed = false;
  private warnedNoTurn = false;
  /** Explicit layouts and cached bind groups (Note [Cached layouts and bind groups]). */
  readonly bindings: BindingCache;
  /**
   * The fast paths of issue 14, each switchable so one process can compare old and new
   * (benchmarks; results are identical either way): `scalars` (Note [Scalars as parameters]),
   * `bindings` (Note [Cached layouts and bind groups]), `contiguous` and `vec4` (Note [Contiguous
   * elementwise kernels]; `vec4` applies only with `contiguous`), `columns` (Note [Column
   * reductions] in kernels/reduce-cols.ts).
   */
  readonly fast = { scalars: true, bindings: true, contiguous: true, vec4: true, vec4PerThread: 1, columns: true };

  constructor(readonly device: GPUDevice) {
    this.limits = device.limits;
    this.align = Math.max(16, device.limits.minStorageBufferOffsetAlignment);
    this.pool = new BufferPool(device, STORAGE | COPY_SRC | COPY_DST);
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: STORAGE | COPY_DST });
    this.errors = new DeviceErrors(device);
    this.bindings = new BindingCache(device);
    void device.lost.then((info) => {
      this.lostInfo = this.destroyed ? 'the device was destroyed' : `${info.reason}: ${info.message}`;
    });
    device.addEventListener?.('uncapturederror', (ev) => {
      this.record((ev as GPUUncapturedErrorEvent).error);
    });
  }

  private record(e: GPUError): void {
    const kind = e.constructor?.name ?? 'GPUError';
    const err = new BackendError(`webgpu: ${kind}: ${e.message}`, {
      hint:
        kind === 'GPUOutOfMemoryError'
          ? 'the GPU is out of memory: dispose tensors (dl.tidy), or call emptyCache()'
          : 'this is a bug in @dl/backend-webgpu or an unsupported input; please report it',
    });
    if (!this.error) this.error = err;
  }

  /** Throw a pending error (device lost, validation, OOM) as BackendError. */
  check(): void {
    if (this.lostInfo !== null || this.destroyed) {
      throw new BackendError(`webgpu: device lost (${this.lostInfo ?? 'the device was destroyed'})`, {
        hint: 'call initBackend("webgpu") again to get a new device; tensors on the lost device are gone',
      });
    }
    const e = this.error;
    if (e) {
      this.error = null;
      throw e;
    }
  }

  private ensureScope(): void {
    if (this.scopeOpen) return;
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.scopeOpen = true;
  }

  private closeScope(): void {
    if (!this.scopeOpen) return;
    this.scopeOpen = false;
    const v = this.device.popErrorScope();
    const o = this.device.popErrorScope();
    this.checks.push(
      Promise.all([v, o]).then(
        ([ve, oe]) => {
          if (ve) this.record(ve);
          if (oe) this.record(oe);
        },
        () => undefined,
      ),
    );
  }

  allocate(numel: number): GpuBuf {
    this.check();
    const bytes = Math.max(4, numel * 4);
    const max = Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize);
    if (BufferPool.bucket(bytes) > max) {
      throw new BackendError(`webgpu: cannot allocate ${numel} elements (${bytes} bytes): the device's limit is ${max} bytes per buffer`, {
        hint: 'use smaller tensors on webgpu, or the cpu device',
      });
    }
    this.ensureScope();
    const { buf, size } = this.pool.acquire(bytes);
    return { gpu: buf, size, numel, freed: false, host: null, spill: 'none', writes: 0 };
  }

  free(b: GpuBuf): void {
    if (b.freed) return;
    b.freed = true;
    b.host = null;
    b.konst = null;
    residentNet.unregister(b);
    if (this.destroyed || b.gpu === null) return;
    this.pool.giveBack(b.gpu, b.size, this.encoder !== null);
    b.gpu = null;
  }

  /** @internal A re-resident spilled buffer was collected without being freed. */
  giveBackCollected(gpu: GPUBuffer, size: number): void {
    if (!this.destroyed) this.pool.giveBack(gpu, size, this.encoder !== null);
  }

  /** Start moving `b`'s values to host memory (Note [Async spill]). */
  spill(b: GpuBuf): void {
    if (b.freed || b.spill !== 'none' || b.gpu === null || this.destroyed || this.lostInfo !== null) return;
    this.materialize(b);
    const bytes = Math.max(4, b.numel * 4);
    this.ensureScope();
    const staging = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    this.endPass();
    this.openEncoder().copyBufferToBuffer(b.gpu, 0, staging, 0, bytes);
    b.spill = 'pending';
    // Mapped once the copy is submitted (by `flush`): one submit for all spills of a boundary.
    this.spills.push({ b, staging, writes: b.writes });
  }

  private mapSpill({ b, staging, writes }: { b: GpuBuf; staging: GPUBuffer; writes: number }): void {
    staging.mapAsync(MAP_READ).then(
      () => {
        const words = new Uint32Array(staging.getMappedRange().slice(0));
        staging.unmap();
        staging.destroy();
        b.spill = 'done';
        if (b.freed || this.destroyed || b.gpu === null) return;
        if (b.writes !== writes) {
          // Written since the boundary: it stays on the GPU, which the collector returns with it.
          residentNet.register(b, { rt: this, gpu: b.gpu, size: b.size }, b);
          return;
        }
        b.host = words;
        this.pool.giveBack(b.gpu, b.size, this.encoder !== null);
        b.gpu = null;
      },
      () => {
        staging.destroy();
        b.spill = 'done';
      },
    );
  }

  /** Upload a spilled buffer's values again before a kernel or a write uses it. */
  resident(b: GpuBuf): GPUBuffer {
    if (b.gpu !== null) return b.gpu;
    if (b.freed || b.host === null) {
      throw new BackendError('webgpu: a kernel was given a freed buffer', {
        hint: 'this is a bug in @dl/backend-webgpu; please report it',
      });
    }
    this.ensureScope();
    const { buf } = this.pool.acquire(b.size);
    this.device.queue.writeBuffer(buf, 0, b.host.buffer, b.host.byteOffset, b.host.byteLength);
    b.gpu = buf;
    b.host = null;
    residentNet.register(b, { rt: this, gpu: buf, size: b.size }, b);
    return buf;
  }

  write(b: GpuBuf, dtype: DType, data: HostArray, offset: number): void {
    this.check();
    if (data.length === 0) return;
    this.materialize(b); // (a one-element buffer: the write replaces it, but keep it simple and ordered)
    this.flush(); // keep queue order: earlier kernels must not see this write
    this.ensureScope();
    this.resident(b);
    b.writes++;
    const words =
      dtype === 'bool' || dtype === 'uint8'
        ? Uint32Array.from(data as Uint8Array)
        : new Uint32Array(data.buffer, data.byteOffset, data.length);
    this.device.queue.writeBuffer(b.gpu!, offset * 4, words.buffer, words.byteOffset, words.byteLength);
  }

  async read(b: GpuBuf, dtype: DType, offset: number, numel: number): Promise<HostArray> {
    this.check();
    this.materialize(b);
    const out = hostArray(dtype, numel);
    if (numel === 0 || (b.gpu === null && b.host !== null)) {
      if (this.errors.pending) await this.checkErrors();
      if (numel === 0) return out;
      const words = b.host!.subarray(offset, offset + numel);
      if (dtype === 'bool' || dtype === 'uint8') (out as Uint8Array).set(words);
      else new Uint32Array(out.buffer, out.byteOffset, numel).set(words);
      return out;
    }
    const bytes = numel * 4;
    // Note [Deferred GPU errors]: the error words ride along in the staging buffer's tail.
    const withErrors = this.errors.pending;
    this.ensureScope();
    const staging = this.device.createBuffer({ size: bytes + (withErrors ? ERROR_BYTES : 0), usage: MAP_READ | COPY_DST });
    this.endPass();
    const enc = this.openEncoder();
    enc.copyBufferToBuffer(this.resident(b), offset * 4, staging, 0, bytes);
    if (withErrors) this.errors.capture(enc, staging, bytes);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (e) {
      await this.settle();
      this.check();
      throw new BackendError(`webgpu: reading a buffer failed: ${(e as Error).message}`, {});
    }
    // one copy, straight from the mapped range into the result (was: a copy of the range, then another)
    const mapped = new Uint32Array(staging.getMappedRange());
    if (dtype === 'bool' || dtype === 'uint8') (out as Uint8Array).set(mapped.subarray(0, numel));
    else new Uint32Array(out.buffer, out.byteOffset, numel).set(mapped.subarray(0, numel));
    const errWords = withErrors ? mapped.slice(numel) : null;
    staging.unmap();
    staging.destroy();
    await this.settle();
    this.check();
    if (errWords) {
      const err = this.errors.decode(errWords);
      if (err) throw err;
    }
    return out;
  }

  /** Look at the error words now (one 16-byte read) and throw what they report. */
  private async checkErrors(): Promise<void> {
    this.ensureScope();
    const staging = this.device.createBuffer({ size: ERROR_BYTES, usage: MAP_READ | COPY_DST });
    this.endPass();
    this.errors.capture(this.openEncoder(), staging, 0);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (e) {
      await this.settle();
      this.check();
      throw new BackendError(`webgpu: reading the error words failed: ${(e as Error).message}`, {});
    }
    const words = new Uint32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    const err = this.errors.decode(words);
    if (err) throw err;
  }

  /** Submit queued work and wait for it (and for its error checks, index errors included). */
  async sync(): Promise<void> {
    this.check();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.settle();
    this.check();
    if (this.errors.pending) await this.checkErrors();
  }

  private async settle(): Promise<void> {
    const c = this.checks;
    this.checks = [];
    await Promise.all(c);
  }

  private openEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.ensureScope();
      this.encoder = this.device.createCommandEncoder();
      queueMicrotask(() => {
        if (!this.destroyed && this.lostInfo === null) this.flush();
      });
    }
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submit the open batch (if any); pooled buffers freed meanwhile become reusable. */
  flush(): void {
    if (this.destroyed) return;
    this.endPass();
    if (this.encoder) {
      if (this.arenaUsed > 0) {
        this.device.queue.writeBuffer(this.arena, 0, this.arenaCpu.buffer, 0, this.arenaUsed);
      }
      const readTimestamps = this.timing?.resolve(this.encoder);
      this.device.queue.submit([this.encoder.finish()]);
      readTimestamps?.();
      this.encoder = null;
      this.dispatches = 0;
      this.arenaUsed = 0;
      this.submissions++;
      this.noteSubmit();
    }
    if (this.spills.length) {
      const spills = this.spills;
      this.spills = [];
      for (const sp of spills) this.mapSpill(sp);
    }
    this.pool.release();
    this.closeScope();
  }

  /**
   * Dawn under Node completes GPU work (and frees what it holds for it) only when the event loop
   * turns; a loop that never awaits grows and eventually crashes (docs/guides/memory.md). Say so
   * once, before that happens.
   */
  private noteSubmit(): void {
    if (!this.turnArmed) {
      this.turnArmed = true;
      setTimeout(() => {
        this.submitsThisTask = 0;
        this.turnArmed = false;
      }, 0);
    }
    if (++this.submitsThisTask === NO_TURN_WARN_SUBMITS && !this.warnedNoTurn) {
      this.warnedNoTurn = true;
      console.warn(
        `@dl/backend-webgpu: ${NO_TURN_WARN_SUBMITS} command batches were submitted without the event loop turning. ` +
          'GPU work completes, and GPU memory of dropped tensors comes back, only when it turns: await something in your loop ' +
          '(e.g. `await loss.item()` every few steps). See docs/guides/memory.md.',
      );
    }
  }

  /**
   * The pipeline `key` (its WGSL made by `code` on first use); with `access` (see {@link Bound}) it
   * uses the shared explicit layout of that pattern (Note [Cached layouts and bind groups]),
   * else `layout: 'auto'`.
   */
  pipeline(key: string, code: () => string, access?: string): GPUComputePipeline {
    const k = access === undefined ? key : `${key}|${access}`;
    let p = this.pipelines.get(k);
    if (!p) {
      this.ensureScope();
      const src = code();
      if (typeof process !== 'undefined' && process.env?.DL_WEBGPU_DUMP) console.log(`// ${key}\n${src}`);
      const module = this.device.createShaderModule({ code: src, label: key });
      const layout = access === undefined ? 'auto' : this.bindings.layout(access).pipeline;
      p = this.device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(k, p);
    }
    return p;
  }

  /**
   * Note [Warm pipelines]
   * Compile the pipeline `key` in the background (`createComputePipelineAsync`) so the first
   * dispatch that needs it does not stall on a synchronous compile; `pipeline` takes it from the
   * cache once ready (a dispatch before then compiles it synchronously as always). Same WGSL,
   * same layout, same results. Failures are dropped here: the synchronous path reports them.
   *
   * @example
   * await rt.warm('matmulD:nn:fit:012rrw', () => source, 'rrw'); // then rt.run with that key compiles nothing
   */
  warm(key: string, code: () => string, access?: string): Promise<void> {
    const k = access === undefined || !this.fast.bindings ? key : `${key}|${access}`;
    const inFlight = this.warming.get(k);
    if (inFlight) return inFlight;
    if (this.pipelines.has(k) || this.destroyed) return Promise.resolve();
    const module = this.device.createShaderModule({ code: code(), label: key });
    const layout = access === undefined || !this.fast.bindings ? 'auto' : this.bindings.layout(access).pipeline;
    const done = this.device
      .createComputePipelineAsync({ layout, compute: { module, entryPoint: 'main' }, label: key })
      .then(
        (p) => {
          if (!this.pipelines.has(k)) this.pipelines.set(k, p);
        },
        () => undefined,
      )
      .finally(() => this.warming.delete(k));
    this.warming.set(k, done);
    return done;
  }

  /** Background compiles in flight (Note [Warm pipelines]). */
  private readonly warming = new Map<string, Promise<void>>();

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** The keys of the compiled pipelines (tests check which kernel form ran). */
  pipelineKeys(): string[] {
    return [...this.pipelines.keys()];
  }

  /**
   * Note [Scalars as parameters]
   * The op layer turns every scalar operand (`x.add(1)`, `where(c, 0, g)`) into a 0-d tensor
   * filled by the backend, and on webgpu each was a `fill` dispatch of its own (405 of 1,799 in
   * a ResNet-18 step). A fill that covers a whole one-element buffer is therefore not
   * dispatched: the buffer keeps the word (`konst`), and binary / compare / where kernels that
   * read such a buffer take the word as a kernel parameter instead of binding the buffer. Any
   * other use runs the fill first, in order (`materialize`: a kernel binding it, a read, a spill;
   * a write simply replaces it), so results never change. `fast.scalars = false` fills at once.
   */
  deferFill(b: GpuBuf, word: number): void {
    this.check();
    b.konst = word >>> 0;
    b.writes++;
  }

  /** The pending fill word of `b` (Note [Scalars as parameters]), or null. */
  constantOf(b: GpuBuf): number | null {
    return b.konst === undefined || b.konst === null || b.freed ? null : b.konst;
  }

  /** Run `b`'s deferred fill now (Note [Scalars as parameters]). */
  materialize(b: GpuBuf): void {
    const w = b.konst;
    if (w === undefined || w === null) return;
    b.konst = null;
    if (b.freed) return;
    const bound = bind([{ buf: b, write: true }]);
    this.run('konst', () => `${declBindings(1, [true])}@compute @workgroup_size(1)\nfn main() { B0[0] = P[0]; }\n`, bound, [w], {
      threads: 1,
      wg: 1,
    });
  }

  /**
   * Dispatches encoded since the device was acquired (read-only; benches subtract two readings
   * to count the dispatches of one training step).
   *
   * @example
   * const before = webgpu.runtime.dispatchCount;
   * step();
   * console.log(webgpu.runtime.dispatchCount - before, 'dispatches');
   */
  get dispatchCount(): number {
    return this.dispatchTotal;
  }

  /**
   * Encode one dispatch of the pipeline `key` (its WGSL made by `code` on first use),
   * with `params` (u32 words) bound as `P` and the buffers of `b`.
   */
  run(key: string, code: () => string, b: Bound, params: readonly number[], grid: Grid): void {
    this.check();
    let gx: number;
    let gy: number;
    let gz: number;
    if ('threads' in grid) {
      const groups = Math.ceil(grid.threads / grid.wg);
      if (groups === 0) return;
      gx = Math.min(groups, this.limits.maxComputeWorkgroupsPerDimension);
      gy = Math.ceil(groups / gx);
      gz = 1;
    } else {
      [gx, gy, gz] = grid.groups;
      if (gx === 0 || gy === 0 || gz === 0) return;
    }
    this.bindGroups.note(); // raises before the driver would run out (Note [Bind groups without the event loop])
    for (const u of b.unique) if (u.konst !== undefined && u.konst !== null) this.materialize(u);
    const pbytes = Math.max(4, params.length * 4);
    const cached = this.fast.bindings;
    // the parameter window of a cached bind group: a power of two from 64 bytes (few distinct groups)
    const window = cached ? Math.max(64, 2 ** Math.ceil(Math.log2(pbytes))) : pbytes;
    if (this.arenaUsed + window > ARENA_BYTES || this.dispatches >= BATCH) this.flush();
    const pipe = this.pipeline(key, code, cached ? b.access : undefined);
    const off = this.arenaUsed;
    for (let i = 0; i < params.length; i++) this.arenaCpu[off / 4 + i] = params[i]! >>> 0;
    this.arenaUsed = Math.ceil((off + pbytes) / this.align) * this.align;
    let group: GPUBindGroup;
    if (cached) {
      const bufs: GPUBuffer[] = [];
      for (const u of b.unique) bufs.push(this.resident(u));
      group = this.bindings.group(b.access, this.arena, window, bufs);
    } else {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena, offset: off, size: pbytes } }];
      b.unique.forEach((u, i) => entries.push({ binding: i + 1, resource: { buffer: this.resident(u) } }));
      group = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
    }
    const enc = this.openEncoder();
    const timing = this.timing;
    if (timing) {
      this.endPass();
      this.pass = timing.beginPass(enc); // Note [Kernel timing]: one timed pass per dispatch
    } else if (!this.pass) this.pass = enc.beginComputePass();
    this.pass.setPipeline(pipe);
    if (cached) this.pass.setBindGroup(0, group, [off]);
    else this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(gx, gy, gz);
    if (timing) this.endPass();
    this.dispatches++;
    this.dispatchTotal++;
  }

  /**
   * Time kernels with timestamp queries from now on (false when the device lacks
   * `timestamp-query`); work is attributed to the tag set by {@link tagKernels}.
   */
  startTiming(): boolean {
    if (this.timing) return true;
    if (!this.device.features.has('timestamp-query')) return false;
    this.flush();
    this.timing = new KernelTiming(this.device, BATCH);
    return true;
  }

  /** Attribute the kernels enqueued from now on to `tag`. */
  tagKernels(tag: number): void {
    if (this.timing) this.timing.tag = tag;
  }

  /** Stop timing; resolves with device nanoseconds per tag once the timed work has run. */
  async stopTiming(): Promise<Map<number, number>> {
    const t = this.timing;
    if (!t) return new Map();
    this.flush();
    this.timing = null;
    return t.finish();
  }

  destroy(): void {
    if (this.destroyed) return;
    try {
      this.flush();
    } catch {
      /* device may be gone */
    }
    this.destroyed = true;
    this.pool.empty();
    this.device.destroy();
  }
}

/** Bits of a float32 as a u32 (to pass float parameters in `P`). */
export function f32bits(v: number): number {
  F32[0] = v;
  return U32[0]!;
}
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
