import { specVersion, type Backend } from './backend.js';
import { DeviceError } from './errors.js';

const backends = new Map<string, Backend>();
let defaultDevice = 'cpu';

/** A device name: `'cpu'`, `'webgpu'` or any registered backend's name. */
export type Device = string;

/**
 * Make a backend available under its `name`. Backend packages call this from their
 * `index.ts`; users never need to.
 *
 * @example
 * registerBackend(myBackend);
 */
export function registerBackend(backend: Backend): void {
  const major = (v: string) => v.split('.')[0];
  if (major(backend.specVersion) !== major(specVersion)) {
    throw new DeviceError(
      `registerBackend: backend '${backend.name}' implements spec ${backend.specVersion}, but @dl/tensor is spec ${specVersion}`,
      { op: 'registerBackend', hint: 'install versions of the backend and @dl/tensor that agree on the spec major version' },
    );
  }
  backends.set(backend.name, backend);
}

/**
 * The names of the registered devices (a backend registers itself when imported: `import '@dl/backend-cpu'`).
 *
 * @example
 * dl.listDevices(); // → ['cpu']
 */
export function listDevices(): string[] {
  return [...backends.keys()];
}

/**
 * The backend registered for a device, checked to exist and be ready: a DeviceError naming the
 * import (and `initBackend`) it needs otherwise.
 *
 * @example
 * getBackend('cpu').name; // 'cpu'
 * getBackend('webgpu');   // DeviceError: getBackend: device 'webgpu' is not available (until `await dl.initBackend('webgpu')`)
 */
export function getBackend(device: Device, op = 'getBackend'): Backend {
  const b = backends.get(device);
  if (!b) {
    const hint =
      device === 'cpu'
        ? "import '@dl/backend-cpu' once in your program to register the cpu device"
        : device === 'webgpu'
          ? "import '@dl/backend-webgpu' and `await dl.initBackend('webgpu')` first"
          : `registered devices: ${listDevices().join(', ') || 'none'}`;
    throw new DeviceError(`${op}: device '${device}' is not available`, { op, hint });
  }
  if (b.ready && !b.ready()) {
    throw new DeviceError(`${op}: device '${device}' is registered but not initialised`, {
      op,
      hint: `call \`await dl.initBackend('${device}')\` before using it`,
    });
  }
  return b;
}

/**
 * Initialise a device's backend (async: a GPU adapter and device). Resolves once ready.
 *
 * @example
 * import '@dl/backend-webgpu';
 * await dl.initBackend('webgpu');
 */
export async function initBackend(device: Device): Promise<Backend> {
  const b = backends.get(device);
  if (!b) getBackend(device, 'initBackend');
  await b!.init?.();
  return b!;
}

/**
 * The device new tensors go to when no `device` option is given (cpu unless `dl.setDefaultDevice` changed it), as
 * `torch.get_default_device`.
 *
 * @example
 * dl.getDefaultDevice(); // → 'cpu'
 */
export function getDefaultDevice(): Device {
  return defaultDevice;
}

/**
 * Set the default device for new tensors.
 *
 * @example
 * dl.setDefaultDevice('webgpu');
 */
export function setDefaultDevice(device: Device): void {
  getBackend(device, 'setDefaultDevice');
  defaultDevice = device;
}
