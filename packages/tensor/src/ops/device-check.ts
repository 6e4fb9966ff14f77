import type { DeviceCheck } from '../backend.js';
import { deviceCan, runKernel } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

/** @internal Said in the hint of an error a device check raised. */
export const DEFERRED_NOTE =
  'This device checks values on the device and raises at the next read (data(), item(), toAsync), so the failing op may be earlier than the line that read, and its result is not valid.';

/**
 * @internal Validate the values of `x` on its device, for devices that cannot be read
 * synchronously (webgpu): when an element fails `c`, a later read raises `c.error(value, index)`
 * for the first such element (Note [Device value checks] in @dl/backend-webgpu). The caller
 * checks on the host where it can read synchronously; this does nothing there, nor for an empty
 * `x`, nor on a device without `Backend.check`.
 *
 * @example
 * checkOnDevice('oneHot', labels, { lo: 0, hi: n - 1, key: `oneHot:${n}`, error: (v) => new IndexError(`… ${v} …`) });
 */
export function checkOnDevice(op: string, x: Tensor, c: DeviceCheck): void {
  if (x.numel() === 0 || deviceCan(x, 'readSync')) return;
  runKernel(op, 'check', x, c);
}
