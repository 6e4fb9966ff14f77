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
