import type { Backend } from './backend.js';
import { setDispatchObserver, type DispatchObserver } from './dispatch.js';
import { StateError } from './errors.js';
import type { DiffOp } from './primitives.js';
import { formatProfileTable, type TableOptions } from './profile-table.js';
import type { Tensor } from './tensor.js';

/**
 * Note [Profiler]
 * `profile(fn)` installs an observer on the dispatcher (dispatch.ts) for the duration of `fn`:
 * every op entry (`defineOp`) opens a frame, every kernel is timed on the host (and, on devices
 * with a `KernelTimer` — webgpu with timestamp queries — on the device, tagged with the frame's
 * rows), every tensor the op layer allocates is counted. A frame's total time includes the ops it
 * calls; its self time does not (torch.profiler's CPU total / self CPU). Rows aggregate frames by
 * op name and device (torch's `key_averages()`). With no profile running the dispatcher pays one
 * null check per entry point.
 */

/** One row of a profile: an op on a device, aggregated over its calls. */
export interface ProfileRow {
  /** The op (`add`, `matmul`, `conv2d`, a `recordFunction` label…). */
  name: string;
  /** The device its tensors are on ('' when the op touched none, as a `detach`). */
  device: string;
  calls: number;
  /** Host milliseconds inside the op, including the ops it called. */
  totalMs: number;
  /** Host milliseconds inside the op, excluding the ops it called. */
  selfMs: number;
  /**
   * Device milliseconds of the kernels the op ran itself: measured by the device (timestamp
   * queries) where `deviceTiming` is 'device', else the host time of the kernel calls (for cpu the
   * kernels' run time; for an asynchronous device without timestamps, the time to enqueue them).
   * null until an asynchronous device's timings have arrived (`await profile.settled()`).
   */
  selfDeviceMs: number | null;
  /** Device milliseconds of its kernels and those of the ops it called. */
  deviceTotalMs: number | null;
  /** Bytes the op allocated for tensors itself. */
  selfBytes: number;
  /** Bytes allocated by the op and the ops it called. */
  totalBytes: number;
}

/**
 * How a device's kernel times were measured: 'device' by the device itself (timestamp queries),
 * 'host' on the host around synchronous kernels (cpu: their run time), 'enqueue' on the host for an
 * asynchronous device without timestamp queries (the time to enqueue the work, not to run it).
 */
export type DeviceTiming = 'device' | 'host' | 'enqueue';

interface Frame {
  row: number;
  start: number;
  childMs: number;
  bytes: number;
  childBytes: number;
  device: string;
  name: string;
}

interface RowAcc extends ProfileRow {
  key: string;
  selfDevNs: number;
  totalDevNs: number;
}

const now = (): number => performance.now();

function deviceOfArgs(args: readonly unknown[]): string {
  for (const a of args) {
    if (a !== null && typeof a === 'object' && typeof (a as Tensor)._view === 'function' && (a as Tensor)._storage) {
      return (a as Tensor)._storage.backend.name;
    }
  }
  return '';
}

/**
 * The result of {@link profile}: per-op rows (`key_averages()` in torch.profiler) and a printable
 * table.
 *
 * @example
 * const prof = dl.profile(() => model.forward(x).sum());
 * console.log(prof.table({ sortBy: 'selfMs', rowLimit: 10 }));
 */
export class Profile<T = unknown> {
  /** What `fn` returned. */
  result!: T;
  /** Wall-clock milliseconds of the profiled function. */
  wallMs = 0;
  /** How each device's kernel times were measured (see {@link ProfileRow.selfDeviceMs}). */
  readonly deviceTiming: Record<string, DeviceTiming> = {};
  /** @internal primitives the dispatcher ran or recorded (kernels and autograd records), for coverage tests */
  readonly primitives = new Set<string>();
  /** @internal */ readonly _rows: RowAcc[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly pending: Array<Promise<void>> = [];

  /** @internal */
  _row(name: string, device: string): number {
    const key = `${name}\u0000${device}`;
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this._rows.length;
      this.byKey.set(key, i);
      this._rows.push({
        key,
        name,
        device,
        calls: 0,
        totalMs: 0,
        selfMs: 0,
        selfDeviceMs: 0,
        deviceTotalMs: 0,
        selfBytes: 0,
        totalBytes: 0,
        selfDevNs: 0,
        totalDevNs: 0,
      });
    }
    return i;
  }

  /** @internal */
  _pending(p: Promise<void>): void {
    this.pending.push(p);
  }

  /** Rows aggregated per op and device, in first-seen order. */
  get rows(): ProfileRow[] {
    return this._rows.map(({ key: _k, selfDevNs: _s, totalDevNs: _t, ...r }) => ({ ...r }));
  }

  /**
   * The aggregated row of one op (on one device, or the first device it ran on), or undefined when it did not run, as a
   * lookup in torch.profiler's `key_averages()`.
   *
   * @example
   * const prof = dl.profile(() => dl.ones(2, 2).matmul(dl.ones(2, 2)));
   * prof.row('matmul', 'cpu')?.calls; // → 1
   */
  row(name: string, device?: string): ProfileRow | undefined {
    return this.rows.find((r) => r.name === name && (device === undefined || r.device === device));
  }

  /**
   * Waits for device timings still in flight (webgpu timestamp queries) and resolves to this profile; on cpu it resolves
   * at once.
   *
   * @example
   * const prof = await dl.profile(() => dl.ones(2).add(1)).settled();
   * prof.row('add')?.calls; // → 1
   */
  async settled(): Promise<this> {
    while (this.pending.length) await this.pending.shift();
    return this;
  }

  /**
   * The rows as a text table, like torch.profiler's `key_averages().table()`.
   *
   * @example
   * console.log(prof.table({ sortBy: 'totalMs' }));
   */
  table(opts: TableOptions = {}): string {
    return formatProfileTable(this.rows, this.wallMs, this.deviceTiming, opts);
  }
}

/**
 * The observer the dispatcher calls while a profile runs.
 * Kernel device times are attributed through tags: each kernel call gets a tag that maps to the
 * rows of its frame stack (innermost first), resolved when the device's timer reports.
 */
class Session implements DispatchObserver {
  private readonly stack: Frame[] = [];
  private readonly timers = new Map<Backend, boolean>();
  private readonly tagRows: Int32Array[] = [];

  constructor(readonly prof: Profile) {}

  enter(op: string, args: readonly unknown[] = []): void {
    const parent = this.stack[this.stack.length - 1];
    const device = deviceOfArgs(args) || parent?.device || '';
    this.stack.push({ row: -1, start: now(), childMs: 0, bytes: 0, childBytes: 0, device, name: op });
  }

  exit(): void {
    const f = this.stack.pop();
    if (!f) return;
    const total = now() - f.start;
    const r = this.prof._rows[this.rowOf(f)]!;
    r.calls++;
    r.totalMs += total;
    r.selfMs += total - f.childMs;
    r.selfBytes += f.bytes;
    r.totalBytes += f.bytes + f.childBytes;
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      parent.childMs += total;
      parent.childBytes += f.bytes + f.childBytes;
      if (!parent.device) parent.device = f.device;
    }
  }

  private rowOf(f: Frame): number {
    if (f.row < 0) f.row = this.prof._row(f.name, f.device);
    return f.row;
  }

  kernel(op: string, primitive: string, backend: Backend, run: () => void): void {
    this.prof.primitives.add(primitive);
    const implicit = this.stack.length === 0;
    if (implicit) this.enter(op);
    const f = this.stack[this.stack.length - 1]!;
    if (!f.device) f.device = backend.name;
    const rows = Int32Array.from(this.stack, (s) => this.rowOf(s)).reverse();
    const timed = this.startTimer(backend);
    if (timed) {
      backend.timer!.tag(this.tagRows.length);
      this.tagRows.push(rows);
    }
    const t0 = now();
    try {
      run();
    } finally {
      if (!timed) this.addDevice(rows, (now() - t0) * 1e6);
      if (implicit) this.exit();
    }
  }

  alloc(t: Tensor): void {
    const f = this.stack[this.stack.length - 1];
    if (f) {
      f.bytes += t._storage.nbytes;
      if (!f.device) f.device = t._storage.backend.name;
    }
  }

  record(op: DiffOp): void {
    this.prof.primitives.add(op);
  }

  private startTimer(be: Backend): boolean {
    let on = this.timers.get(be);
    if (on === undefined) {
      on = be.timer?.start() ?? false;
      this.timers.set(be, on);
      this.prof.deviceTiming[be.name] = on ? 'device' : be.readSync ? 'host' : 'enqueue';
    }
    return on;
  }

  private addDevice(rows: Int32Array | undefined, ns: number): void {
    if (!rows) return;
    const seen = new Set<number>();
    rows.forEach((i, k) => {
      const r = this.prof._rows[i]!;
      if (k === 0) r.selfDevNs += ns;
      if (!seen.has(i)) {
        seen.add(i);
        r.totalDevNs += ns;
      }
    });
  }

  /** Close open frames (an op threw past its frame) and stop the device timers. */
  finish(): void {
    while (this.stack.length) this.exit();
    const timed = [...this.timers].filter(([, on]) => on).map(([be]) => be);
    const fill = () => {
      for (const r of this.prof._rows) {
        r.selfDeviceMs = r.selfDevNs / 1e6;
        r.deviceTotalMs = r.totalDevNs / 1e6;
      }
    };
    fill();
    if (timed.length === 0) return;
    for (const r of this.prof._rows) if (timed.some((b) => b.name === r.device)) (r.selfDeviceMs = null), (r.deviceTotalMs = null);
    this.prof._pending(
      Promise.all(
        timed.map(async (be) => {
          const times = await be.timer!.stop();
          for (const [tag, ns] of times) this.addDevice(this.tagRows[tag], ns);
        }),
      ).then(fill),
    );
  }
}

let active: Session | null = null;

function begin<T>(): Profile<T> {
  if (active) {
    throw new StateError('profile: a profile is already running', {
      op: 'profile',
      hint: 'profiles do not nest: profile the outer function only',
    });
  }
  const prof = new Profile<T>();
  active = new Session(prof);
  setDispatchObserver(active);
  return prof;
}

function end(prof: Profile): void {
  const s = active!;
  active = null;
  setDispatchObserver(null);
  s.finish();
  void prof;
}

/**
 * Profile a synchronous function, as `torch.profiler.profile`: per-op calls, total and self host
 * time, device time and bytes allocated. Device times of asynchronous devices (webgpu) arrive
 * later: `await prof.settled()` (or use {@link profileAsync}).
 *
 * @example
 * const prof = dl.profile(() => { for (let i = 0; i < 10; i++) step(); });
 * console.log(prof.table({ rowLimit: 15 }));
 */
export function profile<T>(fn: () => T): Profile<T> {
  const prof = begin<T>();
  const t0 = now();
  try {
    prof.result = fn();
  } finally {
    prof.wallMs = now() - t0;
    end(prof);
  }
  return prof;
}

/**
 * Profile a function that may be asynchronous (awaits it), then wait for device timings.
 *
 * @example
 * const prof = await dl.profileAsync(async () => { await step(); });
 * console.log(prof.table());
 */
export async function profileAsync<T>(fn: () => T | Promise<T>): Promise<Profile<Awaited<T>>> {
  const prof = begin<Awaited<T>>();
  const t0 = now();
  try {
    prof.result = await fn();
  } finally {
    prof.wallMs = now() - t0;
    end(prof);
  }
  return prof.settled();
}

/**
 * Label a block of code in the profile (a row of its own, with the ops it calls nested), as
 * `torch.profiler.record_function`. Without a running profile it just calls `fn`.
 *
 * @example
 * dl.profile(() => dl.recordFunction('forward', () => model.forward(x)));
 */
export function recordFunction<T>(name: string, fn: () => T): T {
  const s = active;
  if (s === null) return fn();
  s.enter(name);
  try {
    return fn();
  } finally {
    s.exit();
  }
}

/**
 * Is a profile running?
 *
 * @example
 * if (!dl.isProfiling()) console.log(dl.profile(step).table());
 */
export function isProfiling(): boolean {
  return active !== null;
}
