/// <reference types="@webgpu/types" />
/**
 * Size-bucketed pool of GPU buffers. Sizes round up to one of four steps per power of
 * two (≤ 25 % waste); a freed buffer waits in `pending` until the commands that may use
 * it were submitted (`release()` at each flush), then becomes reusable. WebGPU queues run
 * in order, so anything queued after that submit sees the buffer only after the old
 * commands ran.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pending: Array<{ bucket: number; buf: GPUBuffer }> = [];
  bytesInUse = 0;
  bytesPooled = 0;
  buffers = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
  ) {}

  static bucket(bytes: number): number {
    const b = Math.max(16, bytes);
    if (b <= 256) return Math.ceil(b / 16) * 16;
    const p = 2 ** Math.floor(Math.log2(b));
    const step = p / 4;
    return Math.ceil(b / step) * step;
  }

  /** A buffer of at least `bytes`; returns it with its bucket size. */
  acquire(bytes: number): { buf: GPUBuffer; size: number } {
    const size = BufferPool.bucket(bytes);
    const list = this.free.get(size);
    const buf = list?.pop();
    this.bytesInUse += size;
    if (buf) {
      this.bytesPooled -= size;
      return { buf, size };
    }
    this.buffers++;
    return { buf: this.device.createBuffer({ size, usage: this.usage }), size };
  }

  /** Give a buffer back; reusable after the next `release()`. */
  giveBack(buf: GPUBuffer, size: number, deferred: boolean): void {
    this.bytesInUse -= size;
    this.bytesPooled += size;
    if (deferred) this.pending.push({ bucket: size, buf });
    else this.put(size, buf);
  }

  /** Called after a submit: pending buffers become reusable. */
  release(): void {
    const p = this.pending;
    this.pending = [];
    for (const { bucket, buf } of p) this.put(bucket, buf);
  }

  private put(size: number, buf: GPUBuffer): void {
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
  }

  /** Destroy every pooled (free) buffer. */
  empty(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const [size, list] of this.free) {
      this.bytesPooled -= size * list.length;
      this.buffers -= list.length;
    }
    this.free.clear();
  }
}
