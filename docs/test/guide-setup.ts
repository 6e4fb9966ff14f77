/**
 * What a guide finds in its working directory when the tests run it (Note [Guides run as tests]):
 * one entry per guide file name that reads files, preparing them in `dir`. A guide with no entry
 * runs in an empty directory.
 *
 * Note [Guide data]
 * The guides are written as a user runs them after downloading: `root: 'data'`, `'resnet18.pth'`.
 * The tests put the same files there without a network:
 * - Fashion-MNIST: the IDX files of Debian's `dataset-fashion-mnist` (in
 *   /usr/share/datasets/fashion-mnist; CI installs the package), linked into `data/FashionMNIST/raw/`,
 *   torchvision's layout;
 * - CIFAR-10: no download is possible, so a small set in CIFAR-10's own binary format
 *   (`data/cifar-10-batches-bin/data_batch_{1..5}.bin`, `test_batch.bin`): 100 synthetic 32×32
 *   images per file, each class a colour of its own plus seeded noise, so a model can learn it;
 * - resnet18.pth: the committed torchvision resnet18 state_dict fixture (`torch.save`d by PyTorch
 *   1.13, tools/fixtures/model_io_fixtures.py);
 * - WebGPU: Dawn needs a Vulkan driver; on machines without a GPU that is the lavapipe that
 *   scripts/setup-webgpu.sh puts in <repo>/.vk, found as the backend's own tests find it.
 */
import { guideBlocks } from './run-guide.js';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Where Debian's dataset-fashion-mnist installs the four IDX files. */
export const fashionMnistDir = '/usr/share/datasets/fashion-mnist';

function linkFashionMnist(dir: string): void {
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  const raw = join(dir, 'data', 'FashionMNIST', 'raw');
  mkdirSync(raw, { recursive: true });
  for (const f of files) {
    const src = join(fashionMnistDir, f);
    if (!existsSync(src)) throw new Error(`guide setup: ${src} is missing (apt install dataset-fashion-mnist)`);
    symlinkSync(src, join(raw, f));
  }
}

/** CIFAR-10 records (label byte, then R, G, B planes of 32×32): `n` synthetic images, seeded. */
export function syntheticCifar(n: number, seed: number): Uint8Array {
  const RECORD = 1 + 3 * 32 * 32;
  const out = new Uint8Array(n * RECORD);
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const label = i % 10;
    const base = i * RECORD;
    out[base] = label;
    // class k: a colour on the hue circle, a brighter square whose corner depends on k, noise
    const colour = [0, 1, 2].map((c) => 128 + 100 * Math.cos((2 * Math.PI * label) / 10 + (2 * Math.PI * c) / 3));
    const [qy, qx] = [8 * (label % 3), 8 * ((label >> 1) % 3)];
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const inSquare = y >= qy && y < qy + 16 && x >= qx && x < qx + 16;
          const v = colour[c]! * (inSquare ? 1 : 0.6) + (rand() - 0.5) * 60;
          out[base + 1 + c * 1024 + y * 32 + x] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return out;
}

function writeCifar(dir: string): void {
  const bin = join(dir, 'data', 'cifar-10-batches-bin');
  mkdirSync(bin, { recursive: true });
  for (let k = 1; k <= 5; k++) writeFileSync(join(bin, `data_batch_${k}.bin`), syntheticCifar(100, k));
  writeFileSync(join(bin, 'test_batch.bin'), syntheticCifar(100, 99));
}

/**
 * Why a guide cannot run on this machine (null: it can): Fashion-MNIST not installed, or no
 * WebGPU adapter for a guide that imports `@dl/backend-webgpu` (`probeWebgpu` runs in a child
 * process, so the test process never registers the device). The tests skip such a guide with the
 * reason printed, unless CI (or `DL_REQUIRE_WEBGPU=1` for the adapter) says it must run.
 */
export async function guideMissing(file: string, markdown: string, probeWebgpu: () => Promise<string | null>): Promise<string | null> {
  const needsData = [linkFashionMnist].includes(guideSetups[file] as typeof linkFashionMnist);
  if (needsData && !existsSync(fashionMnistDir) && process.env.CI !== 'true')
    return `${fashionMnistDir} is missing (apt install dataset-fashion-mnist)`;
  const usesWebgpu = guideBlocks(markdown).some((b) => /^import .*'@dl\/backend-webgpu'/m.test(b.code));
  if (usesWebgpu && !process.env.DL_REQUIRE_WEBGPU) return probeWebgpu();
  return null;
}

/** Point Vulkan at the repository's lavapipe (scripts/setup-webgpu.sh) when nothing else is set. */
export function findVulkanIcd(): void {
  const icd = join(repo, '.vk', 'icd.json');
  if (!process.env.VK_ICD_FILENAMES && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
}

export const guideSetups: Record<string, (dir: string) => void | Promise<void>> = {
  'data.md': linkFashionMnist,
  'fashion-mnist.md': linkFashionMnist,
  'cifar10.md': writeCifar,
  'saving-and-loading.md': (dir) => {
    symlinkSync(join(repo, 'packages', 'vision', 'fixtures', 'resnet18', 'torch-resnet18.pt'), join(dir, 'resnet18.pth'));
  },
  'webgpu.md': findVulkanIcd,
};
