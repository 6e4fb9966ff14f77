import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { models, utils } from '../index.js';

const count = (m: { parameters(): dl.Tensor[] }) => m.parameters().reduce((a, p) => a + p.numel(), 0);

describe('models', () => {
  it('ResNet-18 has 11,689,512 parameters for 1000 classes and maps 1×3×64×64 to 1×10', () => {
    expect(count(models.resnet18())).toBe(11_689_512);
    const net = models.resnet18({ numClasses: 10 });
    net.eval();
    const out = net.forward(dl.randn([1, 3, 64, 64], { generator: new dl.Generator(0) }));
    expect(out.shape).toEqual([1, 10]);
    expect(Number.isFinite(out.sum().itemSync())).toBe(true);
    expect(count(models.resnet50())).toBe(25_557_032);
    expect(String(net)).toMatch(/BasicBlock/);
  });
  it('LeNet-5 (28×28 with padding 2, or classic 32×32) and the MLP', () => {
    const net = models.lenet5();
    expect(count(net)).toBe(61_706);
    expect(net.forward(dl.randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    expect(models.lenet5({ inputSize: 32 }).forward(dl.randn([2, 1, 32, 32])).shape).toEqual([2, 10]);
    const m = models.mlp({ inFeatures: 784, hidden: [32], numClasses: 10 });
    expect(count(m)).toBe(784 * 32 + 32 + 32 * 10 + 10);
    expect((m.forward(dl.randn([3, 1, 28, 28])) as dl.Tensor).shape).toEqual([3, 10]);
  });
});

describe('utils', () => {
  it('makeGrid tiles as torchvision and saveImage writes a PNG', () => {
    const batch = dl.ones([5, 1, 4, 4]);
    const g = utils.makeGrid(batch, { nrow: 2, padding: 1 });
    expect(g.shape).toEqual([3, 3 * 5 + 1, 2 * 5 + 1]);
    expect(g.sum().itemSync()).toBe(3 * 5 * 16);
    const dir = mkdtempSync(join(tmpdir(), 'dl-img-'));
    utils.saveImage(batch, join(dir, 'g.png'), { nrow: 2, padding: 1 });
    const png = PNG.sync.read(readFileSync(join(dir, 'g.png')));
    expect([png.width, png.height]).toEqual([11, 16]);
    expect(png.data[(1 * 11 + 1) * 4]).toBe(255);
    expect(png.data[0]).toBe(0);
  });
});
