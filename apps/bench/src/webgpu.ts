/**
 * dl's `webgpu` device against its `cpu` device: matmul 256/512/1024, conv2d forward
 * (+backward) and one LeNet-style training step (forward, cross-entropy, backward, SGD), written
 * as the plain PyTorch loop and, beside it, inside `dl.tidy`.
 *
 *   pnpm --filter @dl/bench bench:webgpu            # needs a WebGPU adapter (Dawn via npm `webgpu`)
 *
 * Each webgpu timing includes waiting for the GPU (`webgpu.sync()`, or the loss read of a
 * training step), so it is wall time to a finished result, like the cpu one. On a machine
 * without a GPU the adapter is Mesa's lavapipe (scripts/setup-webgpu.sh): a *CPU emulation*
 * of Vulkan that runs the WGSL kernels as LLVM-compiled code on the same CPU cores. Numbers
 * on lavapipe say whether the kernels work and how they scale, not how fast a GPU is; the
 * output names the adapter so the two cases are not confused.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as dl from '@dl/tensor';
import type { Conv2dParams } from '@dl/tensor/backend';
import '@dl/backend-cpu';
import '@dl/autograd';
import { F } from '@dl/nn';
import { SGD } from '@dl/optim';
import { webgpu } from '@dl/backend-webgpu';
import { randomArray, timeMs } from './timing.js';
import { lenet } from './models.js';

type T = dl.Tensor;
const budgetMs = Number(process.env.BENCH_BUDGET_MS ?? 1500);

async function init(): Promise<string> {
  if (!process.env.VK_ICD_FILENAMES) {
    const icd = fileURLToPath(new URL('../../../.vk/icd.json', import.meta.url));
    if (existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
  }
  await dl.initBackend('webgpu');
  const info = (webgpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const name = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : 'unknown adapter';
  return name || 'unknown adapter';
}

const rnd = (shape: number[], seed: number, device: string, scale = 1): T => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = randomArray(n, seed);
  for (let i = 0; i < n; i++) v[i] = (v[i]! - 0.5) * 2 * scale;
  return dl.fromArray(v, shape).to(device);
};

/** Wait until the device has finished everything queued (a no-op on cpu). */
const settle = (device: string) => (device === 'webgpu' ? webgpu.sync() : Promise.resolve());

interface Row {
  name: string;
  cpu: number;
  webgpu: number;
  note?: string;
}

async function matmulRow(n: number): Promise<Row> {
  const ms: Record<string, number> = {};
  for (const device of ['cpu', 'webgpu']) {
    const a = rnd([n, n], 1, device),
      b = rnd([n, n], 2, device);
    ms[device] = await timeMs(
      async () => {
        dl.tidy(() => {
          a.matmul(b);
        });
        await settle(device);
      },
      { budgetMs },
    );
    a.dispose();
    b.dispose();
  }
  const gflops = (t: number) => ((2 * n ** 3) / (t * 1e6)).toFixed(1);
  return { name: `matmul ${n}x${n}`, cpu: ms.cpu!, webgpu: ms.webgpu!, note: `${gflops(ms.cpu!)} / ${gflops(ms.webgpu!)} GFLOP/s` };
}

async function convRow(backward: boolean): Promise<Row> {
  const [N, Ci, Co, H, K] = [32, 16, 32, 28, 3];
  const p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const ms: Record<string, number> = {};
  for (const device of ['cpu', 'webgpu']) {
    const x = rnd([N, Ci, H, H], 1, device),
      w = rnd([Co, Ci, K, K], 2, device, 0.1),
      b = rnd([Co], 3, device, 0.1);
    const g = rnd([N, Co, H, H], 4, device);
    if (backward) for (const t of [x, w, b]) t.requiresGrad = true;
    ms[device] = await timeMs(
      async () => {
        dl.tidy(() => {
          const y = dl.conv2d(x, w, b, p);
          if (backward) {
            y.backward(g);
            for (const t of [x, w, b]) {
              t.grad?.dispose();
              t.grad = null;
            } // kept by autograd: free them
          }
        });
        await settle(device);
      },
      { budgetMs },
    );
    for (const t of [x, w, b, g]) t.dispose();
  }
  return { name: `conv2d [${N},${Ci},${H},${H}]→${Co} k${K} ${backward ? 'fwd+bwd' : 'fwd'}`, cpu: ms.cpu!, webgpu: ms.webgpu! };
}

/**
 * One LeNet-5 training step on each device. `plain`: the PyTorch loop (zeroGrad, forward, loss,
 * backward, step, `await loss.item()`), nothing freed by hand; otherwise the same step in `dl.tidy`.
 */
async function lenetRow(plain: boolean): Promise<Row> {
  const ms: Record<string, number> = {};
  const losses: Record<string, number> = {};
  for (const device of ['cpu', 'webgpu']) {
    dl.manualSeed(0);
    const model = lenet().to(device);
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const x = rnd([64, 1, 28, 28], 1, device);
    const y = dl
      .fromArray(
        Int32Array.from(randomArray(64, 5), (v) => Math.floor(v * 10)),
        [64],
      )
      .to(device);
    const step = plain
      ? async () => {
          opt.zeroGrad();
          const loss = F.crossEntropy(model.forward(x), y);
          loss.backward();
          opt.step();
          losses[device] ??= await loss.item(); // the read waits for the whole step on webgpu
        }
      : async () => {
          const loss = dl.tidy(() => {
            opt.zeroGrad();
            const l = F.crossEntropy(model.forward(x), y);
            l.backward();
            opt.step();
            return l.detach();
          });
          const v = await loss.item();
          losses[device] ??= v; // first step: same weights and data on both devices
          loss.dispose();
        };
    ms[device] = await timeMs(step, { budgetMs });
  }
  return {
    name: `LeNet-5 train step, batch 64, ${plain ? 'plain loop' : 'in dl.tidy'}`,
    cpu: ms.cpu!,
    webgpu: ms.webgpu!,
    note: `first-step loss ${losses.cpu!.toFixed(5)} / ${losses.webgpu!.toFixed(5)}`,
  };
}

async function main(): Promise<void> {
  let adapter: string;
  try {
    adapter = await init();
  } catch (e) {
    console.log(`webgpu: skipped — no WebGPU adapter (${(e as Error).message.split('\n')[0]}); run scripts/setup-webgpu.sh for lavapipe`);
    return;
  }
  const lavapipe = /llvmpipe|lavapipe|swiftshader|software/i.test(adapter);
  console.log(`webgpu adapter: ${adapter}${lavapipe ? '  ← software Vulkan: a CPU emulation, not a GPU' : ''}`);
  console.log(`features: ${webgpu.features.join(', ') || 'none'}; median ms, budget ${budgetMs} ms per cell\n`);
  const rows: Row[] = [];
  for (const n of [256, 512, 1024]) rows.push(await matmulRow(n));
  rows.push(await convRow(false), await convRow(true), await lenetRow(true), await lenetRow(false));
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'workload'.padEnd(w)}  ${'cpu ms'.padStart(9)}  ${'webgpu ms'.padStart(9)}  ${'cpu/webgpu'.padStart(10)}  note`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${r.cpu.toFixed(2).padStart(9)}  ${r.webgpu.toFixed(2).padStart(9)}  ${(r.cpu / r.webgpu).toFixed(2).padStart(9)}×  ${r.note ?? ''}`,
    );
  }
  if (lavapipe) {
    console.log('\nlavapipe runs the WGSL kernels on the CPU (LLVM JIT, its own threads), competing with the cpu backend');
    console.log('for the same cores: read the webgpu column as "the kernels run", not as GPU performance.');
  }
  await webgpu.sync();
  webgpu.destroy(); // exiting with a pending mapAsync crashes Dawn
}

await main();
