/// <reference types="@webgpu/types" />
import { ArgumentError, DTypeError, IndexError } from '@dl/tensor';
import type { DeviceCheck } from '@dl/tensor/backend';
import type { BindReq, GpuBuf } from './runtime.js';

// GPUBufferUsage values (not every host defines the globals).
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;

/** Interned sites (op, dim, kind, shape) past which shapes are no longer named. */
const MAX_SITES = 4096;

/** Bytes of the error word buffer: [site, value, size, scratch] (scratch: Note [Device value checks]). */
export const ERROR_BYTES = 16;

/**
 * What a kernel checks: an index along `dim` of a tensor, for the op `op` ('index'), a zero
 * integer divisor ('zeroDiv'), or an int32 sum / cumsum / prod leaving int32 ('overflow': the
 * words hold the exact sum's low and high 32 bits; 'overflowApprox': a product's float32
 * approximation; `detail` names the tensor).
 */
type SiteKind = 'index' | 'zeroDiv' | 'overflow' | 'overflowApprox';
interface Site {
  op: string;
  dim: number;
  kind: SiteKind | 'check';
  detail: string;
  /** 'check' sites: the op layer's error for (value, flat index), and how the value word reads */
  make?: DeviceCheck['error'];
  valueType?: 'f32' | 'i32';
}

/**
 * Note [Deferred GPU errors]
 * A kernel cannot throw, and reading its inputs back to the host to check them would make every
 * gather/indexSelect/scatter a sync point (and cost a copy of the index tensor). So kernels that
 * take indices check them on the GPU and report the first bad one into one small device buffer,
 * the *error words* (`[site, value, size, scratch]`, bound as `array<atomic<u32>>`): the thread that
 * finds a bad index compare-exchanges `site` from 0 to its site id (the op and dim, interned on
 * the host and passed as a kernel parameter, so pipelines do not multiply), and the winner
 * stores the offending value and the dim size. The bad lookup itself reads 0 / writes nothing,
 * as before; the values are wrong, but nobody sees them without a read, and the read raises.
 *
 * The host remembers whether a checking kernel was encoded since the last look (`pending`). The
 * next host read (`data()`, `item()`, `toAsync`, serialization — every `Backend.read`) then
 * copies the error words into the tail of the staging buffer it maps anyway, and clears them in
 * the same command buffer (copy + clear are ordered with the kernels, so an error is seen by
 * exactly one read and none is lost to a concurrent one). No extra submit, no extra map, no
 * extra sync point; a read with no checking kernel since the last look pays nothing.
 * `sync()` and reads served from a spilled host copy look with a 16-byte read of their own.
 * A non-zero site becomes an `IndexError` naming the op, the index, the dim and its size, like
 * the cpu backend's, thrown by that read — which may be several ops after the one that failed,
 * as with CUDA's device-side asserts; the hint says so. The error is reported once; the device
 * stays usable. The same words carry the other errors cpu raises from inside a kernel: integer
 * `remainder` by zero (`ArgumentError`) and int32 sum / cumsum / prod results outside int32
 * (`DTypeError`, Note [Exact int32 sums] in kernels/reduce.ts), and the op layer's value checks
 * (`Backend.check`: oneHot labels, BCE probabilities, advanced-indexing indices, float → int casts),
 * whose error the op layer builds (Note [Device value checks] in kernels/check.ts).
 */
export class DeviceErrors {
  /** The error words, as a buffer kernels bind (never freed or spilled). */
  readonly buf: GpuBuf;
  /** A checking kernel was encoded since the error words were last captured. */
  pending = false;
  private readonly sites: Site[] = [{ op: '', dim: 0, kind: 'index', detail: '' }];
  private readonly ids = new Map<string, number>();
  /** The sites new check keys share past MAX_SITES, one per value type (the words decode by it). */
  private readonly overflowSites: { f32?: number; i32?: number } = {};

  constructor(device: GPUDevice) {
    const gpu = device.createBuffer({ size: ERROR_BYTES, usage: STORAGE | COPY_SRC | COPY_DST, label: 'dl error words' });
    this.buf = { gpu, size: ERROR_BYTES, numel: ERROR_BYTES / 4, freed: false, host: null, spill: 'none', writes: 0 };
  }

  /** The site id of (op, dim, kind, detail): a kernel parameter. */
  site(op: string, dim: number, kind: SiteKind = 'index', detail = ''): number {
    // details name shapes: past MAX_SITES distinct ones, new shapes share a generic site
    if (detail && this.sites.length >= MAX_SITES) detail = 'int32 tensor';
    const key = `${op}:${dim}:${kind}:${detail}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sites.length;
      this.sites.push({ op, dim, kind, detail });
      this.ids.set(key, id);
    }
    return id;
  }

  /**
   * The site id of an op-layer value check (`Backend.check`), its value word read as `valueType`.
   * Checks are interned by their key; past MAX_SITES distinct sites, new keys share one last site
   * with a generic error (which op failed is no longer known; the value and index still are).
   */
  checkSite(c: DeviceCheck, valueType: 'f32' | 'i32'): number {
    const key = `check:${valueType}:${c.key}`;
    const id = this.ids.get(key);
    if (id !== undefined) return id;
    const site: Site = { op: '', dim: 0, kind: 'check', detail: '', make: c.error, valueType };
    if (this.sites.length >= MAX_SITES) {
      // One shared site for every later check: it must not take any one check's error (a failure
      // of an earlier check would be reported as the latest one's op and shapes).
      let shared = this.overflowSites[valueType];
      if (shared === undefined) {
        shared = this.overflowSites[valueType] = this.sites.length;
        this.sites.push({ ...site, make: overflowError });
      }
      return shared;
    }
    this.sites.push(site);
    this.ids.set(key, this.sites.length - 1);
    return this.sites.length - 1;
  }

  /** The binding a checking kernel adds (and marks the error words as worth a look). */
  binding(): BindReq {
    this.pending = true;
    return { buf: this.buf, write: true, atomic: true };
  }

  /** Encode: copy the error words to `staging` at `offset`, then clear them. */
  capture(enc: GPUCommandEncoder, staging: GPUBuffer, offset: number): void {
    enc.copyBufferToBuffer(this.buf.gpu!, 0, staging, offset, ERROR_BYTES);
    enc.clearBuffer(this.buf.gpu!, 0, ERROR_BYTES);
    this.pending = false;
  }

  /** The error the captured words describe, or null. */
  decode(words: Uint32Array): Error | null {
    const id = words[0]!;
    if (id === 0) return null;
    const site = this.sites[id] ?? { op: 'index kernel', dim: -1, kind: 'index', detail: '' };
    if (site.kind === 'check') {
      const value = site.valueType === 'f32' ? new Float32Array(words.buffer, words.byteOffset + 4, 1)[0]! : words[1]! | 0;
      return site.make!(value, words[2]!);
    }
    const value = words[1]! | 0;
    const size = words[2]!;
    const { op, dim } = site;
    if (site.kind === 'overflow' || site.kind === 'overflowApprox') {
      // 'overflow': the exact 64-bit value (low, high words); 'overflowApprox': float32 bits of an
      // approximation (a product: its exact value has no 64-bit home)
      const total =
        site.kind === 'overflow' ? (words[2]! | 0) * 2 ** 32 + words[1]! : new Float32Array(new Uint32Array([words[2]!]).buffer)[0]!;
      const what = op === 'prod' ? 'product' : 'sum';
      return new DTypeError(
        `${op}: the ${what} of the ${site.detail} reaches ${site.kind === 'overflow' ? total : Number.isFinite(total) ? `about ${total}` : 'more than 3.4e38 in magnitude'}, which overflows int32 (torch returns int64 here; dl stores int64 as int32)`,
        {
          op,
          hint:
            `accumulate in floating point: x.${op}(dim, { dtype: 'float32' }) (exact up to 2^24; webgpu has no float64). ` +
            'webgpu finds this on the device and raises at the next read (data(), item(), toAsync)',
        },
      );
    }
    if (site.kind === 'zeroDiv') {
      return new ArgumentError(`${op}: integer division by zero (ZeroDivisionError)`, {
        op,
        hint:
          'the divisor has a zero element; for floating tensors the result would be NaN — cast with .float() if that is what you want. ' +
          'webgpu finds this on the device and raises at the next read (data(), item(), toAsync), so the failing op may be earlier ' +
          'than the line that read',
      });
    }
    return new IndexError(`${op}: index ${value} is out of bounds for dimension ${dim} with size ${size}`, {
      op,
      hint:
        `indices along dim ${dim} must be in [0, ${size - 1}] (class targets of crossEntropy/nllLoss and embedding ids included). ` +
        'webgpu checks indices on the device and raises at the next read (data(), item(), toAsync), so the failing op may be ' +
        'earlier than the line that read, and its result is not valid',
    });
  }
}

/**
 * WGSL: report index `value` (i32) outside [0, `size`) (u32) for site `site` (u32) into the
 * error words `E` unless an error is already recorded (Note [Deferred GPU errors]).
 */
export function reportCode(E: string, site: string, value: string, size: string): string {
  return `loop {
      let r = atomicCompareExchangeWeak(&${E}[0], 0u, ${site});
      if (r.exchanged) {
        atomicStore(&${E}[1], bitcast<u32>(${value}));
        atomicStore(&${E}[2], ${size});
        break;
      }
      if (r.old_value != 0u) { break; }
    }`;
}

/** The error of the shared site past MAX_SITES distinct checks: value and index, no op. */
function overflowError(value: number, index: number): Error {
  return new ArgumentError(`a device value check failed: element ${index} holds ${value}, outside the range its op accepts`, {
    op: 'webgpu',
    hint: 'this program made more distinct value checks than the webgpu backend names one by one; run the same step on cpu to see which op and why',
  });
}
