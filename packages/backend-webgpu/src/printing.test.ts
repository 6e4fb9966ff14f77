import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(() => be?.destroy());

describe.runIf(be)('webgpu tensors print without a synchronous read', () => {
  it('String/console.log give a summary line; await t.format() the values; storage and numpy name the async way', async () => {
    await dl.initBackend('webgpu');
    const x = dl.tensor(
      [
        [1.5, 2],
        [3, 4],
      ],
      { device: 'webgpu', requiresGrad: true },
    );
    const s =
      "tensor(<shape [2, 2]; values on the device: await t.format() prints them>,\n       device='webgpu', dtype=torch.float32, requires_grad=True)";
    expect(String(x)).toBe(s);
    expect(inspect(x)).toBe(s);
    expect(await x.format()).toBe("tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]], device='webgpu', requires_grad=True)");
    expect(() => x.detach().numpy()).toThrow(/'webgpu'[\s\S]*await t\.data\(\)/);
    const st = x.detach().storage();
    expect([st.size(), st.device, st.dataPtr() === x.view(4).storage().dataPtr()]).toEqual([4, 'webgpu', true]);
    expect(() => st.get(0)).toThrow(dl.StateError);
    st.set(0, 7); // writes go through Backend.write
    expect([...(await x.data())]).toEqual([7, 2, 3, 4]);
    expect(String(st)).toBe('...\n[dl.TypedStorage(dtype=torch.float32, device=webgpu) of size 4]');
  });
});
