/// <reference types="@webgpu/types" />

// GPUBufferUsage / GPUMapMode values (not every host defines the globals).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const QUERY_RESOLVE = 0x200;

/**
 * Note [Kernel timing]
 * While a profile runs (`dl.profile`), the runtime gives each dispatch a compute pass of its own
 * whose start and end write GPU timestamps into a query set, and records the profiler's tag for
 * it (the tag names the op's rows). Before each submit the batch's timestamps are resolved and
 * copied to a mappable buffer; once the GPU has run the batch they are read back and the
 * durations summed per tag. One pass per dispatch costs some speed, only while profiling.
 * Devices without `timestamp-query` are not timed (the profiler reports enqueue time instead).
 */
export class KernelTiming {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private readonly tags: Int32Array;
  private used = 0;
  private readonly pending: Array<Promise<void>> = [];
  private readonly ns = new Map<number, number>();
  /** The tag of the kernels being enqueued. */
  tag = 0;

  /** `capacity`: dispatches per batch (the runtime submits before exceeding it). */
  constructor(
    private readonly device: GPUDevice,
    readonly capacity: number,
  ) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * capacity });
    this.resolveBuf = device.createBuffer({ size: 2 * capacity * 8, usage: QUERY_RESOLVE | COPY_SRC });
    this.tags = new Int32Array(capacity);
  }

  /** A compute pass for one dispatch, timed for the current tag. */
  beginPass(enc: GPUCommandEncoder): GPUComputePassEncoder {
    const k = this.used++;
    this.tags[k] = this.tag;
    return enc.beginComputePass({
      timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 },
    });
  }

  /**
   * Resolve the batch's timestamps into `enc` (call before finishing it); returns what to call
   * once the batch is submitted (it reads them back when the GPU is done), or null if none.
   */
  resolve(enc: GPUCommandEncoder): (() => void) | null {
    const n = this.used;
    if (n === 0) return null;
    this.used = 0;
    const tags = this.tags.slice(0, n);
    const bytes = 2 * n * 8;
    const read = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    enc.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuf, 0);
    enc.copyBufferToBuffer(this.resolveBuf, 0, read, 0, bytes);
    return () => {
      this.pending.push(
        read.mapAsync(MAP_READ).then(
          () => {
            const stamps = new BigUint64Array(read.getMappedRange().slice(0));
            read.unmap();
            read.destroy();
            for (let k = 0; k < n; k++) {
              // A pass the device did not time reads 0, 0; a reversed pair is noise: count neither.
              const d = Number(stamps[2 * k + 1]! - stamps[2 * k]!);
              if (d > 0) this.ns.set(tags[k]!, (this.ns.get(tags[k]!) ?? 0) + d);
            }
          },
          () => read.destroy(),
        ),
      );
    };
  }

  /** Wait for every batch's timestamps; device nanoseconds per tag. Frees the query set. */
  async finish(): Promise<Map<number, number>> {
    await Promise.all(this.pending);
    this.querySet.destroy();
    this.resolveBuf.destroy();
    return this.ns;
  }
}
