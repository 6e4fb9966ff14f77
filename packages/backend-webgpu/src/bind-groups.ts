/// <reference types="@webgpu/types" />
import { StateError } from '@dl/tensor';

/**
 * Note [Bind groups without the event loop]
 * Every dispatch binds its parameters and buffers through a new bind group. Dawn under Node frees
 * a bind group, and the Vulkan descriptor set behind it, only once the finalizer of its JS wrapper
 * has run and the GPU work that used it is known complete; both wait for the event loop to turn
 * (Node runs native finalizers and Dawn's completion callbacks from it). A loop that never awaits
 * therefore kept every descriptor set it ever made until the driver failed: lavapipe segfaulted
 * after 30,000 to 60,000 of them (an LSTM with Adam: ~115 steps, the process gone with exit code
 * 139, a vitest worker dead), so no JS error could even be caught.
 *
 * Nothing frees them without the event loop: a dropped tensor's buffer comes back only through
 * the garbage collector's finalizers (Note [Async spill]), so even a cache of bind groups keyed by
 * buffers misses as the pool's buffers rotate. So the runtime counts the bind groups made since
 * the event loop last turned and, past {@link BIND_GROUPS_PER_TURN}, the next kernel raises a
 * StateError that says how to fix the loop, well before the driver would crash. One `await` (of
 * `loss.item()`, `webgpu.sync()`, anything) resets the count. The earlier warning (256 submits without
 * a turn) comes first. The limit is about half the fewest seen to crash lavapipe (30,000), leaving
 * room for whatever else a step holds.
 */
export const BIND_GROUPS_PER_TURN = 16_384;

/** Counts bind groups made between two turns of the event loop (Note [Bind groups without the event loop]). */
export class BindGroupBudget {
  /** Bind groups made since the event loop last turned. */
  sinceTurn = 0;
  private armed = false;

  /** Settable (tests lower it). */
  constructor(public limit = BIND_GROUPS_PER_TURN) {}

  /** One more bind group is about to be made: raise a StateError when the loop has not yielded for too long. */
  note(): void {
    if (!this.armed) {
      this.armed = true;
      setTimeout(() => {
        this.sinceTurn = 0;
        this.armed = false;
      }, 0);
    }
    if (this.sinceTurn >= this.limit) {
      throw new StateError(
        `webgpu: ${this.limit} kernels ran without the event loop turning; the GPU driver frees their bind groups only when it turns ` +
          'and would soon crash the process (Note [Bind groups without the event loop])',
        {
          op: 'webgpu',
          hint: 'let the event loop turn in your loop: `await loss.item()` each step (or every few steps), or `await webgpu.sync()`',
        },
      );
    }
    this.sinceTurn++;
  }
}

/**
 * Note [Cached layouts and bind groups]
 * `layout: 'auto'` gives every pipeline its own bind-group layout, and a dispatch had to ask for it
 * (`getBindGroupLayout`) and build a new bind group (~30 µs of host time on Dawn). Every kernel
 * declares the same bindings (`declBindings`: `P` at 0, buffers at 1…, read or read-write), so the
 * layout depends only on the access pattern of the unique buffers (`r`/`w`/`a` per buffer): one
 * explicit layout per pattern, shared by every pipeline with that pattern. `P` is bound with a
 * dynamic offset into the parameter arena, so a bind group depends only on its GPU buffers and
 * the parameter window; they are cached by those, and a training loop, whose pool hands the
 * same buffers back step after step, makes few new ones. The cache is dropped whole past
 * {@link BIND_GROUP_CACHE} entries (a bind group keeps its buffers' wrappers alive; destroyed
 * buffers are never handed out again, so a stale entry is never hit). The budget above still
 * counts kernels, cached or not (Note [Bind groups without the event loop]).
 */
export const BIND_GROUP_CACHE = 4096;

/** Explicit bind-group and pipeline layouts per access pattern, and bind groups per buffers. */
export class BindingCache {
  private readonly layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  /** Bind groups made (cache misses), for benchmarks. */
  made = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Layouts for buffers with the access pattern `access` (`r`, `w` or `a` per unique buffer). */
  layout(access: string): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let l = this.layouts.get(access);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: COMPUTE, buffer: { type: 'read-only-storage', hasDynamicOffset: true } },
      ];
      for (let i = 0; i < access.length; i++) {
        entries.push({ binding: i + 1, visibility: COMPUTE, buffer: { type: access[i] === 'r' ? 'read-only-storage' : 'storage' } });
      }
      const group = this.device.createBindGroupLayout({ entries, label: `dl:${access}` });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(access, l);
    }
    return l;
  }

  /** The bind group of `params` (a `window`-byte view at a dynamic offset) and `buffers`. */
  group(access: string, params: GPUBuffer, window: number, buffers: readonly GPUBuffer[]): GPUBindGroup {
    let key = `${access}:${window}`;
    for (const b of buffers) key += `:${this.id(b)}`;
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= BIND_GROUP_CACHE) this.groups.clear();
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: params, offset: 0, size: window } }];
      for (let i = 0; i < buffers.length; i++) entries.push({ binding: i + 1, resource: { buffer: buffers[i]! } });
      g = this.device.createBindGroup({ layout: this.layout(access).group, entries });
      this.groups.set(key, g);
      this.made++;
    }
    return g;
  }

  private id(b: GPUBuffer): number {
    let i = this.ids.get(b);
    if (i === undefined) this.ids.set(b, (i = this.nextId++));
    return i;
  }
}

/** GPUShaderStage.COMPUTE (not every host defines the global). */
const COMPUTE = 0x4;
