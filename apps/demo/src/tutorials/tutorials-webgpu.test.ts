/**
 * The sequence-model tutorials' torch-parity checks on webgpu (lavapipe in Node): the LSTM basics
 * and the LSTMTagger of "Sequence Models and Long Short-Term Memory Networks", and the
 * TransformerModel of "Language Modeling with nn.Transformer" from torch's torch.save'd weights
 * (output, gradients, training steps with clip_grad_norm_ and StepLR). The same fixtures as the
 * cpu tests (sequence-models.test.ts, transformer-tutorial.test.ts); the model classes are
 * repeated here as the tutorials write them. Skipped without a WebGPU adapter unless
 * DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { webgpu } from '@dl/backend-webgpu';
import { noGrad } from '@dl/autograd';
import { nn, F } from '@dl/nn';
import * as optim from '@dl/optim';
import seq from './__fixtures__/sequence-models.json' with { type: 'json' };
import lm from './__fixtures__/transformer-tutorial.json' with { type: 'json' };

// The monorepo's lavapipe (scripts/setup-webgpu.sh unpacks it into <repo>/.vk).
const ICD = fileURLToPath(new URL('../../../../.vk/icd.json', import.meta.url));
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;

async function gpu(): Promise<boolean> {
  try {
    await dl.initBackend('webgpu');
    return true;
  } catch (e) {
    if (process.env.DL_REQUIRE_WEBGPU === '1') throw e;
    console.warn(`tutorials webgpu test skipped: ${(e as Error).message.split('\n')[0]}`);
    return false;
  }
}
const have = await gpu();
const device = 'webgpu';
type Tensor = dl.Tensor;
type Nested = number | Nested[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
async function maxDiff(a: Tensor, b: Tensor | Nested): Promise<number> {
  expect(a.device).toBe(device);
  const x = flat((await a.toArray()) as Nested);
  const y = b instanceof dl.Tensor ? flat((await b.toArray()) as Nested) : flat(b);
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
}
const onDevice = (sd: Record<string, Nested>) =>
  Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, dl.tensor(v as number[], { device })]));

class LSTMTagger extends nn.Module {
  wordEmbeddings: nn.Embedding;
  lstm: nn.LSTM;
  hidden2tag: nn.Linear;
  constructor(embeddingDim: number, hiddenDim: number, vocabSize: number, tagsetSize: number) {
    super();
    this.wordEmbeddings = new nn.Embedding(vocabSize, embeddingDim);
    this.lstm = new nn.LSTM(embeddingDim, hiddenDim);
    this.hidden2tag = new nn.Linear(hiddenDim, tagsetSize);
  }
  forward(sentence: Tensor): Tensor {
    const embeds = this.wordEmbeddings(sentence);
    const [lstmOut] = this.lstm(embeds.view(sentence.shape[0]!, 1, -1));
    const tagSpace = this.hidden2tag(lstmOut.view(sentence.shape[0]!, -1));
    return F.logSoftmax(tagSpace, 1);
  }
}

class PositionalEncoding extends nn.Module {
  dropout: nn.Dropout;
  declare pe: Tensor;
  constructor(d_model: number, dropout = 0.1, max_len = 5000) {
    super();
    this.dropout = new nn.Dropout(dropout);
    const position = dl.arange(max_len).unsqueeze(1);
    const div_term = dl.exp(dl.arange(0, d_model, 2).mul(-Math.log(10000.0) / d_model));
    const pe = dl.zeros(max_len, 1, d_model);
    pe.at(':', 0, '0::2').copy_(dl.sin(position.mul(div_term)));
    pe.at(':', 0, '1::2').copy_(dl.cos(position.mul(div_term)));
    this.registerBuffer('pe', pe);
  }
  forward(x: Tensor): Tensor {
    return this.dropout(x.add(this.pe.at(`:${x.size(0)}`)));
  }
}

class TransformerModel extends nn.Module {
  pos_encoder: PositionalEncoding;
  transformer_encoder: nn.TransformerEncoder;
  encoder: nn.Embedding;
  d_model: number;
  decoder: nn.Linear;
  constructor(ntoken: number, d_model: number, nhead: number, d_hid: number, nlayers: number, dropout = 0.5) {
    super();
    this.pos_encoder = new PositionalEncoding(d_model, dropout);
    this.transformer_encoder = new nn.TransformerEncoder(
      new nn.TransformerEncoderLayer(d_model, nhead, { dimFeedforward: d_hid, dropout }),
      nlayers,
    );
    this.encoder = new nn.Embedding(ntoken, d_model);
    this.d_model = d_model;
    this.decoder = new nn.Linear(d_model, ntoken);
  }
  forward(src: Tensor, src_mask: Tensor): Tensor {
    src = this.pos_encoder(this.encoder(src).mul(Math.sqrt(this.d_model)));
    return this.decoder(this.transformer_encoder(src, { mask: src_mask }));
  }
}
const generate_square_subsequent_mask = (sz: number) => dl.triu(dl.ones([sz, sz], { device }).mul(-Infinity), 1);

describe.runIf(have)('sequence-model tutorials on webgpu', () => {
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it("LSTM(3, 3) with torch's weights: step by step and all at once give torch's numbers", async () => {
    const lstm = new nn.LSTM(3, 3).to(device);
    lstm.loadStateDict(onDevice(seq.lstm.state_dict));
    const inputs = seq.lstm.inputs.map((i) => dl.tensor(i, { device }));
    let hidden: [Tensor, Tensor] = [dl.tensor(seq.lstm.hidden0[0]!, { device }), dl.tensor(seq.lstm.hidden0[1]!, { device })];
    const hidden0 = hidden;
    let out!: Tensor;
    for (const [t, i] of inputs.entries()) {
      [out, hidden] = lstm(i.view(1, 1, -1), hidden);
      expect(await maxDiff(out, seq.lstm.steps[t]!)).toBeLessThan(1e-5);
    }
    expect(await maxDiff(hidden[1], seq.lstm.step_hidden[1]!)).toBeLessThan(1e-5);
    const whole = dl.cat(inputs).view(inputs.length, 1, -1);
    [out, hidden] = lstm(whole, [dl.tensor(seq.lstm.hidden1[0]!, { device }), dl.tensor(seq.lstm.hidden1[1]!, { device })]);
    expect(await maxDiff(out, seq.lstm.out)).toBeLessThan(1e-5);
    expect(await maxDiff(hidden[0], seq.lstm.hidden[0]!)).toBeLessThan(1e-5);
    const [outSame] = lstm(whole, hidden0);
    expect(await maxDiff(outSame, seq.lstm.out_same)).toBeLessThan(1e-5);
  }, 120_000);

  it("LSTMTagger: 25 epochs of SGD from torch's weights follow torch's losses", async () => {
    const wordToIx = seq.tagger.word_to_ix as Record<string, number>;
    const tagToIx: Record<string, number> = { DET: 0, NN: 1, V: 2 };
    const prepare = (s: string[], ix: Record<string, number>) =>
      dl.tensor(
        s.map((w) => ix[w]!),
        { dtype: 'int64', device },
      );
    const trainingData: [string[], string[]][] = [
      ['The dog ate the apple'.split(' '), ['DET', 'NN', 'V', 'DET', 'NN']],
      ['Everybody read that book'.split(' '), ['NN', 'V', 'DET', 'NN']],
    ];
    const model = new LSTMTagger(6, 6, Object.keys(wordToIx).length, 3).to(device);
    model.loadStateDict(onDevice(seq.tagger.state_dict));
    expect(
      await maxDiff(
        noGrad(() => model(prepare(trainingData[0]![0], wordToIx))),
        seq.tagger.before,
      ),
    ).toBeLessThan(1e-5);
    const lossFunction = new nn.NLLLoss();
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    const losses: Tensor[] = [];
    for (let epoch = 0; epoch < 25; epoch++) {
      for (const [sentence, tags] of trainingData) {
        model.zeroGrad();
        const loss = lossFunction(model(prepare(sentence, wordToIx)), prepare(tags, tagToIx));
        loss.backward();
        optimizer.step();
        losses.push(loss.detach());
      }
      if (epoch % 5 === 4) await losses.at(-1)!.item(); // let the event loop turn (webgpu's guidance)
    }
    const got = (await dl.stack(losses).toArray()) as number[];
    for (let k = 0; k < got.length; k++) expect(Math.abs(got[k]! - seq.tagger.losses[k]!), `loss ${k}`).toBeLessThan(1e-4);
  }, 180_000);

  it("TransformerModel from torch's torch.save'd weights: output, gradients and training steps are torch's", async () => {
    const r = (await dl.load(fileURLToPath(new URL('./__fixtures__/transformer-tutorial.pt', import.meta.url)), { device })) as unknown as {
      state_dict: Record<string, Tensor>;
      data: Tensor;
      targets: Tensor;
      output: Tensor;
      loss: Tensor;
      grads: Record<string, Tensor>;
    };
    const ntokens = lm.itos.length;
    const model = new TransformerModel(ntokens, 32, 2, 64, 2, 0.2).to(device);
    expect(model.loadStateDict(r.state_dict, { strict: false }).missingKeys).toEqual(['pos_encoder.pe']);
    model.eval();
    const mask = generate_square_subsequent_mask(12);
    expect(
      await maxDiff(
        noGrad(() => model(r.data, mask)),
        r.output,
      ),
    ).toBeLessThan(5e-5);
    const criterion = new nn.CrossEntropyLoss();
    const loss = criterion(model(r.data, mask).view(-1, ntokens), r.targets);
    expect(Math.abs((await loss.item()) - (await r.loss.item()))).toBeLessThan(2e-5);
    loss.backward();
    for (const [k, p] of model.namedParameters()) {
      const scale = Math.max(1, (await r.grads[k]!.abs().max().item()) as number);
      expect((await maxDiff(p.grad!, r.grads[k]!)) / scale, `${k}.grad`).toBeLessThan(5e-5);
    }
    // one step of the tutorial's train(): clip_grad_norm_ on the device, SGD lr 5.0, StepLR
    const optimizer = new optim.SGD(model.parameters(), { lr: 5.0 });
    const scheduler = new optim.lrScheduler.StepLR(optimizer, 1.0, { gamma: 0.95 });
    const steps = r.data; // [12, 4]: the parity batch
    model.zeroGrad();
    const l = criterion(model(steps, mask).view(-1, ntokens), r.targets);
    l.backward();
    const norm = nn.utils.clipGradNorm_(model.parameters(), 0.5);
    expect(norm.device).toBe(device);
    const total = Math.sqrt(
      await dl
        .stack(model.parameters().map((p) => p.grad!.pow(2).sum()))
        .sum()
        .item(),
    );
    expect(Math.abs(total - 0.5) / 0.5).toBeLessThan(1e-4); // clipped to max_norm (torch's norm here is above 0.5)
    optimizer.step();
    scheduler.step();
    expect(scheduler.getLastLr()[0]).toBeCloseTo(4.75, 12);
    const after = noGrad(() => criterion(model(steps, mask).view(-1, ntokens), r.targets));
    expect(await after.item()).toBeLessThan(await l.item());
  }, 180_000);
});

if (!have) it.skip('sequence-model tutorials on webgpu [skipped: no WebGPU adapter]', () => {});
