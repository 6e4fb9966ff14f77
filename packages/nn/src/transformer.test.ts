import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from './index.js';
import { checkLayerCase, expectClose, ft, type AT, type AttentionFixtures } from './testing/attention-case.js';
import raw from './fixtures/attention.json' with { type: 'json' };

const fx = raw as unknown as AttentionFixtures & { pt: { src: AT; y: AT; keys: string[] } };

describe('Transformer layers match PyTorch 1.13 (keys, repr, forward, input and parameter gradients)', () => {
  it.each(fx.layers.map((c) => [c.name, c] as const))('%s', async (_n, c) => checkLayerCase(c, 'cpu'));
});

describe('Transformer layers', () => {
  it("print as torch's default-configured layers", () => {
    expect(String(new nn.TransformerEncoderLayer(16, 4))).toBe(fx.reprs['TransformerEncoderLayer(16, 4)']);
    expect(String(new nn.TransformerDecoderLayer(16, 4))).toBe(fx.reprs['TransformerDecoderLayer(16, 4)']);
  });

  it("generateSquareSubsequentMask is torch's float -inf mask", async () => {
    await expectClose(nn.Transformer.generateSquareSubsequentMask(3), fx.squareMask3, 'mask');
    expect(nn.Transformer.generateSquareSubsequentMask(0).shape).toEqual([0, 0]);
  });

  it('TransformerEncoder copies the layer: same initial weights, separate parameters, no random numbers drawn', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    dl.manualSeed(5);
    const expected = dl.rand(3);
    dl.manualSeed(5);
    const enc = new nn.TransformerEncoder(layer, 3);
    expect(dl.rand(3).sub(expected).abs().max().itemSync()).toBe(0); // copying drew nothing, as torch's deepcopy
    const w = [...enc.layers].map((l) => (l as nn.TransformerEncoderLayer).linear1.weight);
    expect(w[0]!.sub(layer.linear1.weight).abs().max().itemSync()).toBe(0);
    expect(w[2]!.sub(layer.linear1.weight).abs().max().itemSync()).toBe(0);
    expect(new Set(enc.parameters()).size).toBe(3 * layer.parameters().length);
    w[0]!.detach().add_(1);
    expect(w[1]!.sub(layer.linear1.weight).abs().max().itemSync()).toBe(0);
  });

  it('a function or module activation is used (a module prints as a child, as torch)', () => {
    const x = dl.randn(4, 2, 8);
    const a = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: 'gelu' });
    const b = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: new nn.GELU() });
    const c = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: (t: dl.Tensor) => t.tanh() });
    b.loadStateDict(a.stateDict());
    c.loadStateDict(a.stateDict());
    expect(a(x).sub(b(x)).abs().max().itemSync()).toBeLessThan(1e-6);
    expect(a(x).sub(c(x)).abs().max().itemSync()).toBeGreaterThan(1e-4);
    expect(String(b)).toMatch(/\(activation\): GELU\(approximate='none'\)\n\)$/);
    expect(String(a)).not.toMatch(/activation/);
  });

  it("a state dict saved by torch.save loads with dl.load into nn.TransformerEncoder and gives torch's output", async () => {
    const sd = await dl.load<Record<string, dl.Tensor>>(readFileSync(new URL('./fixtures/attention-encoder.pt', import.meta.url)));
    expect(Object.keys(sd)).toEqual(fx.pt.keys);
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0 }), 2, {
      norm: new nn.LayerNorm(16),
    });
    enc.loadStateDict(sd);
    enc.eval();
    await expectClose(enc(ft(fx.pt.src, 'cpu')), fx.pt.y, 'encoder from .pt');
  });

  it('a torch state dict loads into nn.Transformer and the output trains (gradients reach every parameter)', () => {
    const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0 });
    const src = dl.randn(6, 2, 8),
      tgt = dl.randn(4, 2, 8);
    t(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(4) })
      .pow(2)
      .mean()
      .backward();
    for (const [k, p] of t.namedParameters()) expect(p.grad, k).toBeTruthy();
    expect(t.encoder.layers.length).toBe(1);
    expect(String(t.decoder.norm)).toBe('LayerNorm((8,), eps=1e-05, elementwise_affine=True)');
  });

  it('takes a custom encoder and decoder', () => {
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 3);
    const t = new nn.Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 1, dimFeedforward: 16, customEncoder: encoder });
    expect(t.encoder).toBe(encoder);
    expect(t.encoder.layers.length).toBe(3);
    expect(t(dl.randn(6, 2, 8), dl.randn(4, 2, 8)).shape).toEqual([4, 2, 8]);
  });

  it('rejects bad configurations and inputs with typed errors', () => {
    expect(() => new nn.TransformerEncoderLayer(10, 3)).toThrow(/divisible by num_heads/);
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(/relu\/gelu/);
    expect(() => new nn.TransformerEncoderLayer(8, 2, { dropout: -1 })).toThrow(dl.ArgumentError);
    expect(() => new nn.TransformerEncoder(new nn.Linear(2, 2) as unknown as nn.TransformerEncoderLayer, 2)).toThrow(dl.ArgumentError);
    expect(() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 1.5)).toThrow(/num_layers/);
    const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    expect(() => t(dl.randn(6, 2, 8), dl.randn(4, 3, 8))).toThrow(/batch number of src and tgt/);
    expect(() => t(dl.randn(6, 2, 4), dl.randn(4, 2, 4))).toThrow(/d_model/);
    expect(() => nn.Transformer.generateSquareSubsequentMask(-1)).toThrow(dl.ArgumentError);
  });
});
