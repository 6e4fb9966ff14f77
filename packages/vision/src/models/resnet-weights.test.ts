/**
 * torchvision's resnet18 state_dict, saved by PyTorch 1.13 (tools/fixtures/model_io_fixtures.py;
 * every parameter and buffer a scaled 61-value pattern, so the 46 MB file is ~200 KB in git),
 * loads with `models.resnet18({ weights })` and gives torchvision's logits.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { models } from '../index.js';

const fx = (name: string) => new URL(`../../fixtures/resnet18/${name}`, import.meta.url);

describe('models.resnet18({ weights }) with a torchvision state_dict', () => {
  it("gives torchvision's logits (1e-4) for a fixed 1×3×64×64 input", async () => {
    const expected = JSON.parse(readFileSync(fx('torch-resnet18.json'), 'utf8')) as { shape: number[]; logits: number[] };
    const weights = await dl.load<Record<string, dl.Tensor>>(fx('torch-resnet18.pt').pathname);
    const net = models.resnet18({ weights });
    expect(Object.keys(net.stateDict())).toEqual(Object.keys(weights));
    net.eval();
    const x = dl
      .arange(3 * 64 * 64)
      .mul(0.37)
      .sin()
      .reshape(1, 3, 64, 64);
    const logits = net.forward(x);
    expect(logits.shape).toEqual(expected.shape);
    const got = logits.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(Number(got[i]) - expected.logits[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('the same weights through loadStateDict, and strict errors name keys and shapes', async () => {
    const weights = await dl.load<Record<string, dl.Tensor>>(fx('torch-resnet18.pt').pathname);
    const net = models.resnet18();
    expect(net.loadStateDict(weights)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(() => models.resnet18({ numClasses: 10, weights })).toThrow(
      /size mismatch for fc\.weight: copying a param with shape \[1000, 512\]/,
    );
    const { 'fc.bias': _dropped, ...partial } = weights;
    expect(() => net.loadStateDict(partial)).toThrow(/Missing key\(s\) in state_dict: "fc\.bias"/);
    expect(net.loadStateDict(partial, { strict: false })).toEqual({ missingKeys: ['fc.bias'], unexpectedKeys: [] });
  });

  it('pretrained: true without weights is a typed error that says how to convert', () => {
    const e = (() => {
      try {
        models.resnet18({ pretrained: true });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(models.PretrainedWeightsError);
    expect(e).toBeInstanceOf(dl.ArgumentError);
    expect(String(e)).toContain("torch.save(torchvision.models.resnet18(weights='DEFAULT').state_dict(), 'resnet18.pth')");
    expect(String(e)).toContain("models.resnet18({ weights: await dl.load('resnet18.pth') })");
  });
});
