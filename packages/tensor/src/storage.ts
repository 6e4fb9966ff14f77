import type { Backend, BackendBuffer } from './backend.js';
import { ITEMSIZE, type DType } from './dtype.js';

/** Live storages per device, for {@link memory}. */
export const liveStats = new Map<string, { storages: number; bytes: number }>();

/**
 * A refcounted handle to one backend buffer. Tensors (and views of them) hold references;
 * the buffer is freed when the last one is released. `version` counts in-place writes
 * (autograd uses it to detect modification of saved tensors).
 */
export class Storage {
  refs = 0;
  version = 0;
  freed = false;
  readonly nbytes: number;
  constructor(
    readonly backend: Backend,
    readonly buffer: BackendBuffer,
    readonly dtype: DType,
    readonly numel: number,
    /** External memory (fromArray): the backend does not own it, so it is never freed. */
    readonly external = false,
  ) {
    this.nbytes = numel * ITEMSIZE[dtype];
    const s = liveStats.get(backend.name) ?? { storages: 0, bytes: 0 };
    s.storages++;
    s.bytes += this.nbytes;
    liveStats.set(backend.name, s);
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (this.freed) return;
    if (--this.refs <= 0) {
      this.freed = true;
      if (!this.external) this.backend.free(this.buffer);
      const s = liveStats.get(this.backend.name);
      if (s) {
        s.storages--;
        s.bytes -= this.nbytes;
      }
    }
  }
}
