/**
 * nn.RNN / LSTM / GRU, the cells and nn.utils.rnn against PyTorch 1.13
 * (fixtures/rnn.json from tools/fixtures/rnn_fixtures.py): torch's weights loaded by state-dict
 * key, forward values, final states, input / initial-state / parameter gradients, state-dict keys
 * and reprs; default init, errors, dropout, and an LSTM that learns a toy task.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck, noGrad } from '@dl/autograd';
import { nn } from './index.js';
import { fromFixture, mismatch, type FT } from './testing/fixture.js';
import fixtures from './fixtures/rnn.json' with { type: 'json' };

interface LayerCase {
  name: string;
  kind: 'RNN' | 'LSTM' | 'GRU';
  inputSize: number;
  hiddenSize: number;
  opts: Record<string, any>;
  train: boolean;
  state: Record<string, FT>;
  stateKeys: string[];
  x: FT;
  packed: { lengths: number[]; enforceSorted: boolean } | null;
  h0: FT | null;
  c0: FT | null;
  out: FT;
  h: FT;
  c: FT | null;
  packedData: FT | null;
  r: FT;
  rh: FT;
  rc: FT | null;
  gx: FT;
  gh0: FT | null;
  gc0: FT | null;
  gparams: Record<string, FT>;
  repr: string;
}
interface CellCase {
  name: string;
  kind: 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hiddenSize: number;
  opts: Record<string, any>;
  state: Record<string, FT>;
  stateKeys: string[];
  x: FT;
  h0: FT | null;
  c0: FT | null;
  h: FT;
  c: FT | null;
  rh: FT;
  rc: FT | null;
  gx: FT;
  gh0: FT | null;
  gc0: FT | null;
  gparams: Record<string, FT>;
  repr: string;
}
const F = fixtures as unknown as { layers: LayerCase[]; cells: CellCase[]; utils: Record<string, any> };

const leaf = (t: FT | null): Tensor | null => (t ? fromFixture(t).requiresGrad_() : null);
const close = (a: Tensor | null | undefined, e: FT | null, what: string) => {
  if (e) expect(mismatch(a, e, 1e-5, 1e-4), what).toBeNull();
};

function makeLayer(c: LayerCase): nn.RNN | nn.LSTM | nn.GRU {
  if (c.kind === 'LSTM') return new nn.LSTM(c.inputSize, c.hiddenSize, c.opts);
  if (c.kind === 'GRU') return new nn.GRU(c.inputSize, c.hiddenSize, c.opts);
  return new nn.RNN(c.inputSize, c.hiddenSize, c.opts);
}

describe('recurrent layers against PyTorch', () => {
  for (const c of F.layers) {
    it(c.name, () => {
      const m = makeLayer(c);
      expect(Object.keys(m.stateDict())).toEqual(c.stateKeys);
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.state)) sd[k] = fromFixture(v);
      expect(m.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      m.train(c.train);
      expect(String(m)).toBe(c.repr);
      const x = leaf(c.x)!;
      const h0 = leaf(c.h0);
      const c0 = leaf(c.c0);
      const bf = c.opts.batchFirst ?? false;
      const input = c.packed
        ? nn.utils.rnn.packPaddedSequence(x, c.packed.lengths, { batchFirst: bf, enforceSorted: c.packed.enforceSorted })
        : x;
      let out: Tensor | nn.utils.rnn.PackedSequence;
      let h: Tensor;
      let cN: Tensor | null = null;
      if (m instanceof nn.LSTM) {
        const r = input instanceof dl.Tensor ? m(input, h0 ? [h0, c0!] : null) : m(input, h0 ? [h0, c0!] : null);
        [out, [h, cN]] = r;
      } else {
        const mm = m as nn.GRU;
        [out, h] = input instanceof dl.Tensor ? mm(input, h0) : mm(input, h0);
      }
      let padded: Tensor;
      if (out instanceof nn.utils.rnn.PackedSequence) {
        close(out.data, c.packedData, `${c.name} packed data`);
        const [p, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: bf });
        expect(Array.from(lengths.dataSync())).toEqual(c.packed!.lengths);
        padded = p;
      } else padded = out;
      close(padded, c.out, `${c.name} output`);
      close(h, c.h, `${c.name} h`);
      close(cN, c.c, `${c.name} c`);
      let loss = padded
        .mul(fromFixture(c.r))
        .sum()
        .add(h.mul(fromFixture(c.rh)).sum());
      if (cN) loss = loss.add(cN.mul(fromFixture(c.rc!)).sum());
      loss.backward();
      close(x.grad, c.gx, `${c.name} grad input`);
      close(h0?.grad, c.gh0, `${c.name} grad h0`);
      close(c0?.grad, c.gc0, `${c.name} grad c0`);
      const named = Object.fromEntries(m.namedParameters());
      expect(Object.keys(named).sort()).toEqual(Object.keys(c.gparams).sort());
      for (const [k, g] of Object.entries(c.gparams)) close(named[k]?.grad, g, `${c.name} grad ${k}`);
    });
  }
});

describe('recurrent cells against PyTorch', () => {
  for (const c of F.cells) {
    it(c.name, () => {
      const m =
        c.kind === 'LSTMCell'
          ? new nn.LSTMCell(c.inputSize, c.hiddenSize, c.opts)
          : c.kind === 'GRUCell'
            ? new nn.GRUCell(c.inputSize, c.hiddenSize, c.opts)
            : new nn.RNNCell(c.inputSize, c.hiddenSize, c.opts);
      expect(Object.keys(m.stateDict())).toEqual(c.stateKeys);
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.state)) sd[k] = fromFixture(v);
      m.loadStateDict(sd);
      expect(String(m)).toBe(c.repr);
      const x = leaf(c.x)!;
      const h0 = leaf(c.h0);
      const c0 = leaf(c.c0);
      let h: Tensor;
      let cN: Tensor | null = null;
      if (m instanceof nn.LSTMCell) [h, cN] = m(x, h0 ? [h0, c0!] : null);
      else h = (m as nn.GRUCell)(x, h0);
      close(h, c.h, `${c.name} h`);
      close(cN, c.c, `${c.name} c`);
      let loss = h.mul(fromFixture(c.rh)).sum();
      if (cN) loss = loss.add(cN.mul(fromFixture(c.rc!)).sum());
      loss.backward();
      close(x.grad, c.gx, `${c.name} grad input`);
      close(h0?.grad, c.gh0, `${c.name} grad h0`);
      close(c0?.grad, c.gc0, `${c.name} grad c0`);
      const named = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.gparams)) close(named[k]?.grad, g, `${c.name} grad ${k}`);
    });
  }
});

describe('nn.utils.rnn against PyTorch', () => {
  const U = F.utils;
  const seqs = (U.seqs as FT[]).map((s) => fromFixture(s));
  const ints = (t: Tensor | null) => (t ? Array.from(t.dataSync(), Number) : null);
  it('padSequence', () => {
    close(nn.utils.rnn.padSequence(seqs), U.padSequence, 'padSequence');
    close(nn.utils.rnn.padSequence(seqs, { batchFirst: true, paddingValue: -1.5 }), U.padSequenceBatchFirstPad, 'padSequence batchFirst');
  });
  it('packSequence (unsorted and sorted) and padPackedSequence with totalLength and paddingValue', () => {
    const ps = nn.utils.rnn.packSequence(seqs, { enforceSorted: false });
    close(ps.data, U.packSequence.data, 'data');
    expect(ints(ps.batchSizes)).toEqual(U.packSequence.batchSizes.data);
    expect(ints(ps.sortedIndices)).toEqual(U.packSequence.sortedIndices.data);
    expect(ints(ps.unsortedIndices)).toEqual(U.packSequence.unsortedIndices.data);
    const [padded, lengths] = nn.utils.rnn.padPackedSequence(ps, { batchFirst: true, paddingValue: 9, totalLength: 7 });
    close(padded, U.padPacked.padded, 'padPacked');
    expect(ints(lengths)).toEqual(U.padPacked.lengths.data);
    const sorted = [seqs[1]!, seqs[0]!, seqs[2]!];
    const ps2 = nn.utils.rnn.packSequence(sorted);
    close(ps2.data, U.packSequenceSorted.data, 'sorted data');
    expect(ps2.sortedIndices).toBeNull();
    expect(ints(ps2.batchSizes)).toEqual(U.packSequenceSorted.batchSizes.data);
  });
  it('packPaddedSequence batchFirst, unsorted; gradients flow back through pack and pad', () => {
    const c = U.packPaddedBatchFirst;
    const x = fromFixture(c.x).requiresGrad_();
    const pp = nn.utils.rnn.packPaddedSequence(x, dl.tensor(c.lengths, { dtype: 'int32' }), { batchFirst: true, enforceSorted: false });
    close(pp.data, c.data, 'data');
    expect(ints(pp.batchSizes)).toEqual(c.batchSizes.data);
    expect(ints(pp.sortedIndices)).toEqual(c.sortedIndices.data);
    expect(ints(pp.unsortedIndices)).toEqual(c.unsortedIndices.data);
    const [back] = nn.utils.rnn.padPackedSequence(pp, { batchFirst: true, totalLength: 4 });
    back.sum().backward();
    // every valid step gets gradient 1, padding none
    const g = x.grad!.sum(2).dataSync();
    expect(Array.from(g)).toEqual([2, 2, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0]);
  });
  it('unpadSequence / unpackSequence give the sequences back; invertPermutation as torch', () => {
    const same = (a: Tensor, b: Tensor) =>
      expect(mismatch(a, { shape: [...b.shape], data: Array.from(b.dataSync(), Number), dtype: 'float32' }, 0, 0)).toBeNull();
    const back = nn.utils.rnn.unpackSequence(nn.utils.rnn.packSequence(seqs, { enforceSorted: false }));
    expect(back.length).toBe(3);
    back.forEach((b, i) => same(b, seqs[i]!));
    const padded = nn.utils.rnn.padSequence(seqs);
    nn.utils.rnn.unpadSequence(padded, [3, 5, 1]).forEach((b, i) => same(b, seqs[i]!));
    expect(padded.shape).toEqual([5, 3, 2]); // the input is left as it was
    const bfirst = nn.utils.rnn.padSequence(seqs, { batchFirst: true });
    nn.utils.rnn.unpadSequence(bfirst, dl.tensor([3, 5, 1], { dtype: 'int32' }), { batchFirst: true }).forEach((b, i) => same(b, seqs[i]!));
    const perm = dl.tensor(U.packSequence.sortedIndices.data, { dtype: 'int32' });
    expect(ints(nn.utils.rnn.invertPermutation(perm))).toEqual(U.packSequence.unsortedIndices.data);
    expect(nn.utils.rnn.invertPermutation(null)).toBeNull();
    expect(() => nn.utils.rnn.unpadSequence(padded, [3, 5])).toThrow(/expected 3 lengths/);
  });
  it('errors name the op and the problem', () => {
    const x = dl.randn(4, 3, 2);
    expect(() => nn.utils.rnn.packPaddedSequence(x, [2, 4, 1])).toThrow(/sorted in decreasing order.*enforceSorted/);
    expect(() => nn.utils.rnn.packPaddedSequence(x, [4, 2])).toThrow(dl.ShapeError);
    expect(() => nn.utils.rnn.packPaddedSequence(x, [4, 2, 0])).toThrow(/greater than 0/);
    expect(() => nn.utils.rnn.packPaddedSequence(x, [5, 2, 1])).toThrow(/longer than/);
    const ps = nn.utils.rnn.packPaddedSequence(x, [4, 2, 1]);
    expect(() => nn.utils.rnn.padPackedSequence(ps, { totalLength: 2 })).toThrow(/total_length to be at least/);
    expect(() => nn.utils.rnn.padSequence([dl.ones(2, 3), dl.ones(2, 4)])).toThrow(/only the first/);
  });
});

describe('recurrent layers', () => {
  it('default init: every weight in U(-1/sqrt(hidden), 1/sqrt(hidden)), torch shapes with projSize', () => {
    const lstm = new nn.LSTM(10, 16, { numLayers: 2, bidirectional: true, projSize: 5 });
    const shapes = Object.fromEntries([...lstm.namedParameters()].map(([k, p]) => [k, p.shape]));
    expect(shapes['weight_ih_l0']).toEqual([64, 10]);
    expect(shapes['weight_hh_l0']).toEqual([64, 5]);
    expect(shapes['weight_hr_l0_reverse']).toEqual([5, 16]);
    expect(shapes['weight_ih_l1']).toEqual([64, 10]);
    for (const p of lstm.parameters()) {
      expect(p.abs().max().itemSync()).toBeLessThanOrEqual(0.25);
      expect(p.std().itemSync()).toBeGreaterThan(0.1); // not all zeros / one value
    }
    lstm.flattenParameters(); // a no-op, as ported code calls it
    expect(lstm.weight_hr_l0_reverse!.shape).toEqual([5, 16]); // torch's attribute names
    expect(lstm.allWeights.length).toBe(4);
    expect(lstm.allWeights[0]!.length).toBe(5);
  });
  it('gradcheck in float64: packed bidirectional LSTM with projection, GRU and relu RNN (input, states, weights)', () => {
    const f64 = { dtype: 'float64' as const };
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2, ...f64 });
    const x = dl.randn([5, 3, 3], f64).requiresGrad_();
    const h0 = dl.randn([4, 3, 2], f64).requiresGrad_();
    const c0 = dl.randn([4, 3, 4], f64).requiresGrad_();
    const w = lstm.weight_hh_l1_reverse!;
    expect(
      gradcheck(
        (xi, hi, ci, _w) => {
          const packed = nn.utils.rnn.packPaddedSequence(xi!, [3, 5, 2], { enforceSorted: false });
          const [out, [h, c]] = lstm(packed, [hi!, ci!]);
          return out.data.pow(2).sum().add(h.sum()).add(c.mul(c).sum());
        },
        [x, h0, c0, w],
      ),
    ).toBe(true);
    const gru = new nn.GRU(3, 4, { batchFirst: true, ...f64 });
    expect(gradcheck((xi, _b) => gru(xi!)[0].pow(2).sum(), [dl.randn([2, 4, 3], f64).requiresGrad_(), gru.bias_hh_l0!])).toBe(true);
    const rnn = new nn.RNN(3, 4, { nonlinearity: 'relu', numLayers: 2, ...f64 });
    expect(gradcheck((xi) => rnn(xi!)[1].sum(), [dl.randn([4, 3], f64).requiresGrad_()])).toBe(true);
  });
  it('output shapes for every layout', () => {
    const gru = new nn.GRU(3, 4, { numLayers: 3, bidirectional: true, batchFirst: true });
    const [o, h] = gru(dl.randn(2, 5, 3));
    expect(o.shape).toEqual([2, 5, 8]);
    expect(h.shape).toEqual([6, 2, 4]);
    const [ou, hu] = gru(dl.randn(5, 3));
    expect(ou.shape).toEqual([5, 8]);
    expect(hu.shape).toEqual([6, 4]);
  });
  it('dropout between layers only while training', () => {
    const lstm = new nn.LSTM(4, 8, { numLayers: 2, dropout: 0.5 });
    const x = dl.randn(6, 2, 4);
    lstm.eval();
    const [a] = lstm(x);
    const [b] = lstm(x);
    expect(mismatch(a, { shape: [...b.shape], data: Array.from(b.dataSync()), dtype: 'float32' }, 0, 0)).toBeNull();
    lstm.train();
    const [c] = lstm(x);
    expect(c.sub(a).abs().max().itemSync()).toBeGreaterThan(1e-4);
  });
  it('dropout sits between layers, not after the last: p = 1 feeds zeros to layer 2', () => {
    const two = new nn.GRU(4, 8, { numLayers: 2, dropout: 1 });
    const second = new nn.GRU(8, 8);
    second.loadStateDict({
      weight_ih_l0: two.weight_ih_l1!,
      weight_hh_l0: two.weight_hh_l1!,
      bias_ih_l0: two.bias_ih_l1!,
      bias_hh_l0: two.bias_hh_l1!,
    });
    const [out, h] = two(dl.randn(5, 2, 4));
    const [ref, href] = second(dl.zeros(5, 2, 8));
    expect(out.sub(ref).abs().max().itemSync()).toBeLessThan(1e-6);
    expect(h.select(0, 1).sub(href.select(0, 0)).abs().max().itemSync()).toBeLessThan(1e-6);
  });
  it('packed input gives each sequence its own last state', () => {
    const rnn = new nn.RNN(2, 3);
    const a = dl.randn(5, 2);
    const b = dl.randn(2, 2);
    const packed = nn.utils.rnn.packSequence([b, a], { enforceSorted: false });
    const [out, h] = rnn(packed);
    expect(out).toBeInstanceOf(nn.utils.rnn.PackedSequence);
    expect(Array.from(out.batchSizes.dataSync())).toEqual([2, 2, 1, 1, 1]); // typed PackedSequence by the call
    const [lo, [lh]] = new nn.LSTM(2, 3)(packed);
    expect([lo.data.shape, lh.shape]).toEqual([
      [7, 3],
      [1, 2, 3],
    ]);
    const [, hb] = rnn(b);
    const [, ha] = rnn(a);
    expect(h.select(1, 0).sub(hb.squeeze(0)).abs().max().itemSync()).toBeLessThan(1e-6);
    expect(h.select(1, 1).sub(ha.squeeze(0)).abs().max().itemSync()).toBeLessThan(1e-6);
  });
  it('bad input gives typed errors naming the layer', () => {
    const lstm = new nn.LSTM(4, 8, { numLayers: 2 });
    expect(() => lstm(dl.randn(2, 3, 4, 5))).toThrow(/LSTM: Expected input to be 2-D or 3-D/);
    expect(() => lstm(dl.randn(2, 3, 5))).toThrow(/input_size. Expected 4, got 5/);
    expect(() => lstm(dl.randn(2, 3, 4), [dl.zeros(2, 2, 8), dl.zeros(2, 3, 8)])).toThrow(
      /Expected hidden\[0\] size \(2, 3, 8\), got \[2, 2, 8\]/,
    );
    expect(() => lstm(dl.randn(2, 3, 4), [dl.zeros(2, 3, 8), dl.zeros(2, 3, 7)])).toThrow(/hidden\[1\]/);
    expect(() => lstm(dl.randn(2, 3, 4), [dl.zeros(2, 8), dl.zeros(2, 8)])).toThrow(/hx should also be 3-D/);
    expect(() => lstm(dl.ones([2, 3, 4], { dtype: 'int32' }))).toThrow(dl.DTypeError);
    const gru = new nn.GRU(4, 8);
    expect(() => gru(dl.randn(2, 4), dl.zeros(1, 3, 8))).toThrow(/unbatched 2-D input, hx should also be 2-D/);
    expect(() => new nn.GRU(4, 8, { projSize: 2 } as never)).toThrow(/only supported for LSTM/);
    expect(() => new nn.LSTM(4, 8, { projSize: 8 })).toThrow(/smaller than hiddenSize/);
    expect(() => new nn.RNN(4, 8, { dropout: 1.5 })).toThrow(dl.ArgumentError);
    expect(() => new nn.RNN(4, 8, { nonlinearity: 'gelu' as never })).toThrow(/Unknown nonlinearity/);
    expect(() => new nn.LSTMCell(4, 8)(dl.randn(2, 3, 4))).toThrow(/LSTMCell: Expected input to be 1-D or 2-D/);
    expect(() => new nn.GRUCell(4, 8)(dl.randn(3, 4), dl.zeros(2, 8))).toThrow(/Expected hidden size \(3, 8\)/);
  });
  it('an LSTM learns the running mean of a sequence (plain SGD)', () => {
    // the PyTorch way: a model class, a loss, backward, a parameter update under no_grad
    class Recall extends nn.Module {
      lstm = new nn.LSTM(1, 16, { batchFirst: true });
      head = new nn.Linear(16, 1);
      forward(x: Tensor): Tensor {
        const [out] = this.lstm(x);
        return this.head(out.select(1, -1));
      }
    }
    dl.manualSeed(0);
    const model = new Recall();
    const lossFn = new nn.MSELoss();
    const g = new dl.Generator(1);
    const batch = () => {
      const x = dl.rand([32, 6, 1], { generator: g }).mul(2).sub(1);
      return { x, y: x.mean(1) };
    };
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      const { x, y } = batch();
      const loss = lossFn(model(x), y);
      model.zeroGrad();
      loss.backward();
      noGrad(() => {
        for (const p of model.parameters()) p.sub_(p.grad!.mul(0.5));
      });
      losses.push(loss.itemSync());
    }
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(first).toBeGreaterThan(0.03);
    expect(last).toBeLessThan(first * 0.1);
  });
});
