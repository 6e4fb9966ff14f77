/**
 * @dl/backend-cpu — the cpu device. Importing this package registers `'cpu'` (the default
 * device) with @dl/tensor.
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import '@dl/backend-cpu';
 * dl.ones(2, 2).add(1).toString(); // 'tensor([[2., 2.],\n        [2., 2.]])'
 *
 * @packageDocumentation
 */
import { registerBackend } from '@dl/tensor';
import { CpuBackend } from './backend.js';

/** The registered cpu backend instance. */
export const cpuBackend = new CpuBackend();
registerBackend(cpuBackend);

export { CpuBackend, type MatmulImpl } from './backend.js';
