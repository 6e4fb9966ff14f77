import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from '../index.js';

// Note [Torch's positional arguments]: torch's keywords given in torch's order are read as torch
// reads them; anything else in an options position is an ArgumentError, never a silent default.

const causal = (n: number) => nn.Transformer.generateSquareSubsequentMask(n);
const close = async (a: dl.Tensor, b: dl.Tensor) => expect(await a.sub(b).abs().max().item()).toBeLessThan(1e-6);
const differs = async (a: dl.Tensor, b: dl.Tensor) => expect(await a.sub(b).abs().max().item()).toBeGreaterThan(1e-4);

describe('transformer layers take torch positional arguments', () => {
  it('TransformerEncoderLayer(8, 2, 16, 0.2) is dim_feedforward 16, dropout 0.2 (torch)', () => {
    const l = new nn.TransformerEncoderLayer(8, 2, 16, 0.2);
    expect(l.linear1.outFeatures).toBe(16);
    expect(l.dropout.p).toBe(0.2);
    expect(l.selfAttn.dropout).toBe(0.2);
    const d = new nn.TransformerDecoderLayer(8, 2, 16, 0.2, 'gelu', 1e-6, true, true, { dtype: 'float32' });
    expect(d.linear2.inFeatures).toBe(16);
    expect(d.dropout3.p).toBe(0.2);
    expect(d.activation).toBe('gelu');
    expect(d.norm1.opts.eps).toBe(1e-6);
    expect(d.selfAttn.batchFirst).toBe(true);
    expect(d.normFirst).toBe(true);
    expect(new nn.MultiheadAttention(8, 2, 0.3).dropout).toBe(0.3);
    expect(new nn.MultiheadAttention(8, 2, 0.3, false).inProjBias).toBeNull();
  });

  it('masks given positionally are used (enc(x, mask), layer(x, mask), dec(tgt, memory, tgtMask), mha(q, k, v, pad))', async () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, 16, 0).eval();
    const enc = new nn.TransformerEncoder(layer, 2).eval();
    const x = dl.randn(5, 2, 8);
    const m = causal(5);
    await close(layer(x, m), layer(x, { srcMask: m }));
    await differs(layer(x, m), layer(x));
    await close(enc(x, m), enc(x, { mask: m }));
    await differs(enc(x, m), enc(x));
    const pad = dl.tensor([
      [false, false, false, true, true],
      [false, false, false, false, false],
    ]);
    await close(enc(x, null, pad), enc(x, { srcKeyPaddingMask: pad }));
    await differs(enc(x, null, pad), enc(x));

    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, 16, 0), 1).eval();
    const tgt = dl.randn(4, 2, 8);
    await close(dec(tgt, x, causal(4)), dec(tgt, x, { tgtMask: causal(4) }));
    await differs(dec(tgt, x, causal(4)), dec(tgt, x));
    await close(dec(tgt, x, null, null, null, pad), dec(tgt, x, { memoryKeyPaddingMask: pad }));

    const model = new nn.Transformer(8, 2, 1, 1, 16, 0).eval();
    await close(model(x, tgt, null, causal(4)), model(x, tgt, { tgtMask: causal(4) }));
    await differs(model(x, tgt, null, causal(4)), model(x, tgt));

    const mha = new nn.MultiheadAttention(8, 2);
    const [a, wa] = mha(x, x, x, pad);
    const [b] = mha(x, x, x, { keyPaddingMask: pad });
    await close(a, b);
    await differs(a, mha(x, x, x)[0]);
    expect(wa!.shape).toEqual([2, 5, 5]);
    expect(mha(x, x, x, null, false)[1]).toBeNull();
    await close(mha(x, x, x, null, true, m)[0], mha(x, x, x, { attnMask: m })[0]);
  });

  it('TransformerEncoder(layer, n, norm) takes norm positionally', () => {
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16), 1, new nn.LayerNorm(8));
    expect(enc.norm).toBeInstanceOf(nn.LayerNorm);
    expect(new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, 16), 1, new nn.LayerNorm(8)).norm).toBeInstanceOf(nn.LayerNorm);
  });

  it('anything else is an ArgumentError naming the parameter and the accepted forms', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, 16);
    const x = dl.randn(5, 2, 8);
    expect(() => layer(x, 3 as never)).toThrow(
      /TransformerEncoderLayer: argument 1 \(src_mask\) must be a Tensor or null, got the number 3[\s\S]*accepted: layer\(src, srcMask/,
    );
    expect(() => layer(x, { mask: causal(5) } as never)).toThrow(/unknown option 'mask'/);
    expect(() => new nn.TransformerEncoder(layer, 1)(x, { srcMask: causal(5) } as never)).toThrow(
      /TransformerEncoder: unknown option 'srcMask'/,
    );
    expect(() => new nn.TransformerEncoderLayer(8, 2, dl.ones(2) as never)).toThrow(
      /argument 1 \(dim_feedforward\) must be an integer, got a Tensor/,
    );
    expect(() => new nn.TransformerEncoderLayer(8, 2, 'gelu' as never)).toThrow(dl.ArgumentError);
    expect(() => new nn.TransformerEncoderLayer(8, 2, 16, { dimFeedforward: 32 } as never)).toThrow(
      /multiple values for argument 'dim_feedforward'/,
    );
    expect(() => new nn.MultiheadAttention(8, 2, 0.1, true, false, false, null, null, false, 7 as never)).toThrow(
      /takes 7 optional positional arguments/,
    );
    expect(() => new nn.MultiheadAttention(8, 2)(x, x, x, 'pad' as never)).toThrow(
      /key_padding_mask\) must be a Tensor or null, got the string 'pad'/,
    );
    expect(() => new nn.MultiheadAttention(8, 2)(x, x, x, { keyPaddingMask: 1 } as never)).toThrow(
      /key_padding_mask must be a Tensor or null, got the number 1/,
    );
    expect(() => new nn.Transformer(8, 2, 1, 1, 16)(x, x, { srcMask: 'x' } as never)).toThrow(dl.ArgumentError);
  });
});

describe('other layers take torch positional arguments', () => {
  it('recurrent layers: LSTM(10, 20, 2) is num_layers 2; then bias, batch_first, dropout, bidirectional (torch 1.13)', () => {
    const lstm = new nn.LSTM(10, 20, 2);
    expect(lstm.numLayers).toBe(2);
    const l2 = new nn.LSTM(10, 20, 2, false, true, 0.5, true, 5);
    expect([l2.bias, l2.batchFirst, l2.dropout, l2.bidirectional, l2.projSize]).toEqual([false, true, 0.5, true, 5]);
    const gru = new nn.GRU(3, 4, 2, true, true);
    expect([gru.numLayers, gru.batchFirst]).toEqual([2, true]);
    expect(new nn.RNN(3, 4, 3, { nonlinearity: 'relu' }).numLayers).toBe(3);
    expect(() => new nn.RNN(3, 4, 'relu' as never)).toThrow(/RNN: argument 1 \(num_layers\) must be an integer, got the string 'relu'/);
    expect(() => new nn.LSTM(3, 4, { num_layers: 2 } as never)).toThrow(/unknown option 'num_layers'/);
  });

  it('convolutions: Conv2d(1, 6, 5, 1, 2) is stride 1, padding 2 (torch)', () => {
    const c = new nn.Conv2d(1, 6, 5, 1, 2);
    expect(c.padding).toEqual([2, 2]);
    expect(c(dl.randn(1, 1, 8, 8)).shape).toEqual([1, 6, 8, 8]);
    const c2 = new nn.Conv2d(4, 6, 3, 2, 1, 1, 2, false);
    expect([c2.stride, c2.groups, c2.bias]).toEqual([[2, 2], 2, null]);
    expect(new nn.Conv1d(2, 3, 3, 1, 'same').padding).toBe('same');
    const t = new nn.ConvTranspose2d(4, 2, 3, 2, 1, 1);
    expect([t.stride, t.padding, t.outputPadding]).toEqual([
      [2, 2],
      [1, 1],
      [1, 1],
    ]);
    expect(new nn.ConvTranspose1d(4, 2, 3, 2, 1, 1).outputPadding).toEqual([1]);
    expect(() => new nn.Conv2d(1, 6, 5, 1, 2, 1, 1, true, 'reflect' as never)).toThrow(/padding_mode 'reflect' is not supported/);
    expect(() => new nn.Conv2d(1, 6, 5, dl.ones(1) as never)).toThrow(/argument 1 \(stride\)/);
  });

  it('Linear, Embedding, Dropout, norms, pools, losses', async () => {
    expect(new nn.Linear(3, 2, false).bias).toBeNull();
    expect(new nn.Embedding(10, 3, 0).paddingIdx).toBe(0);
    expect(() => new nn.Embedding(10, 3, null, null, 2, false, true)).toThrow(/sparse gradients are not supported/);
    expect(new nn.Dropout(0.2, true).opts.inplace).toBe(true);
    const bn = new nn.BatchNorm2d(4, 1e-3, 0.3, false);
    expect([bn.eps, bn.momentum, bn.affine]).toEqual([1e-3, 0.3, false]);
    expect(new nn.InstanceNorm2d(4, 1e-5, 0.1, true).affine).toBe(true);
    expect(new nn.LayerNorm(4, 1e-3, false).weight).toBeNull();
    expect(new nn.GroupNorm(2, 4, 1e-3, false).bias).toBeNull();
    expect(new nn.MaxPool2d(3, 1)(dl.randn(1, 1, 5, 5)).shape).toEqual([1, 1, 3, 3]);
    expect(new nn.MaxPool2d(3, 1, 1)(dl.randn(1, 1, 5, 5)).shape).toEqual([1, 1, 5, 5]);
    expect(new nn.AvgPool2d(2, 1)(dl.randn(1, 1, 4, 4)).shape).toEqual([1, 1, 3, 3]);
    expect(new nn.MaxPool1d(2, 1)(dl.randn(1, 1, 4)).shape).toEqual([1, 1, 3]);
    expect(new nn.AvgPool1d(2, 1)(dl.randn(1, 1, 4)).shape).toEqual([1, 1, 3]);
    expect(() => new nn.BatchNorm1d(4, 'x' as never)).toThrow(/argument 1 \(eps\) must be a number/);
    // torch: nn.CrossEntropyLoss(w) weighs the classes
    const w = dl.tensor([1, 3]);
    const logits = dl.tensor([
      [0.2, 0.5],
      [1.0, -1.0],
    ]);
    const y = dl.tensor([1, 0], { dtype: 'int64' });
    await close(new nn.CrossEntropyLoss(w)(logits, y), new nn.CrossEntropyLoss({ weight: w })(logits, y));
    await differs(new nn.CrossEntropyLoss(w)(logits, y), new nn.CrossEntropyLoss()(logits, y));
    expect(new nn.NLLLoss(w, { reduction: 'sum' }).reduction).toBe('sum');
    expect(new nn.Softplus(2, 10).opts).toEqual({ beta: 2, threshold: 10 });
    expect(new nn.Upsample(null, 2)(dl.randn(1, 1, 2, 2)).shape).toEqual([1, 1, 4, 4]);
    expect(new nn.Upsample(3)(dl.randn(1, 1, 2, 2)).shape).toEqual([1, 1, 3, 3]);
    expect(new nn.UpsamplingNearest2d(null, 2)(dl.randn(1, 1, 2, 2)).shape).toEqual([1, 1, 4, 4]);
    expect(new nn.UpsamplingBilinear2d(5)(dl.randn(1, 1, 2, 2)).shape).toEqual([1, 1, 5, 5]);
    expect(new nn.Unfold(3, 1, 1)(dl.randn(1, 2, 4, 4)).shape).toEqual([1, 18, 16]);
    expect(new nn.Fold([4, 4], 3, 1, 1)(dl.randn(1, 18, 16)).shape).toEqual([1, 2, 4, 4]);
    expect((new nn.AdaptiveMaxPool2d(2, true)(dl.randn(1, 1, 4, 4)) as unknown as { indices: dl.Tensor }).indices.shape).toEqual([
      1, 1, 2, 2,
    ]);
    expect(new nn.RNNCell(3, 4, false, 'relu').nonlinearity).toBe('relu');
    expect(new nn.LSTMCell(3, 4, false).bias).toBe(false);
    expect(() => new nn.GRUCell(3, 4, 2 as never)).toThrow(/GRUCell: argument 1 \(bias\) must be a boolean, got the number 2/);
    expect(new nn.EmbeddingBag(10, 3, null, 2, false, 'sum').mode).toBe('sum');
    expect(() => new nn.EmbeddingBag(10, 3, null, 2, true)).toThrow(/scale_grad_by_freq is not supported/);
    expect(() => new nn.MSELoss(w as never)).toThrow(/MSELoss: takes 0 optional positional arguments/);
    expect(() => new nn.MarginRankingLoss(0.5 as never)).toThrow(/MarginRankingLoss/);
  });
});
