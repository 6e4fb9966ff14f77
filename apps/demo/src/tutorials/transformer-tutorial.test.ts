// pytorch.org/tutorials, "Language Modeling with nn.Transformer and TorchText" (torch 1.13),
// ported line by line. No WikiText2 here: the corpus is the first 3000 characters of the KJV
// excerpt (apps/demo/src/charlm/kjv-excerpt.txt), whole lines, 80% train / 10% val / 10% test,
// tokenized as torchtext's basic_english. Shrunk for time: batch_size 20 -> 4, eval_batch_size
// 10 -> 2, the model's sizes are the tutorial's (emsize 200, d_hid 200, 2 layers, 2 heads,
// dropout 0.2), epochs 3 -> 15 (each epoch is 4 batches
// here; 60 steps take the training loss from 6.1 to 0.8). tools/reference/transformer_tutorial.py
// pins torch's numbers: the vocabulary, the reprs, and a TransformerModel(ntokens, 32, 2, 64, 2)
// whose torch.save'd weights, loaded with dl.load, must give torch's output, gradients and
// training losses.
// dl: torch's positional forms `TransformerEncoderLayer(d_model, nhead, d_hid, dropout)` and
// `transformer_encoder(src, src_mask)` are options objects in dl ({ dimFeedforward, dropout },
// { mask }); passed positionally they are silently ignored today (reported).
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn } from '@dl/nn';
import * as optim from '@dl/optim';
import ref from './__fixtures__/transformer-tutorial.json' with { type: 'json' };

const Tensor = dl.Tensor;
type Tensor = dl.Tensor;
const { TransformerEncoder, TransformerEncoderLayer } = nn;

class TransformerModel extends nn.Module {
  model_type: string;
  pos_encoder: PositionalEncoding;
  transformer_encoder: nn.TransformerEncoder;
  encoder: nn.Embedding;
  d_model: number;
  decoder: nn.Linear;
  constructor(ntoken: number, d_model: number, nhead: number, d_hid: number, nlayers: number, dropout = 0.5) {
    super();
    this.model_type = 'Transformer';
    this.pos_encoder = new PositionalEncoding(d_model, dropout);
    const encoder_layers = new TransformerEncoderLayer(d_model, nhead, { dimFeedforward: d_hid, dropout });
    this.transformer_encoder = new TransformerEncoder(encoder_layers, nlayers);
    this.encoder = new nn.Embedding(ntoken, d_model);
    this.d_model = d_model;
    this.decoder = new nn.Linear(d_model, ntoken);
    this.init_weights();
  }
  init_weights(): void {
    const initrange = 0.1;
    this.encoder.weight.data.uniform_(-initrange, initrange);
    this.decoder.bias!.data.zero_();
    this.decoder.weight.data.uniform_(-initrange, initrange);
  }
  forward(src: Tensor, src_mask: Tensor): Tensor {
    src = this.encoder(src).mul(Math.sqrt(this.d_model));
    src = this.pos_encoder(src);
    let output = this.transformer_encoder(src, { mask: src_mask });
    output = this.decoder(output);
    return output;
  }
}

/** Generates an upper-triangular matrix of -inf, with zeros on diag. */
function generate_square_subsequent_mask(sz: number): Tensor {
  return dl.triu(dl.ones(sz, sz).mul(-Infinity), 1);
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
    pe.at(':', 0, '0::2').copy_(dl.sin(position.mul(div_term))); // pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe.at(':', 0, '1::2').copy_(dl.cos(position.mul(div_term))); // pe[:, 0, 1::2] = torch.cos(position * div_term)
    this.registerBuffer('pe', pe);
  }
  forward(x: Tensor): Tensor {
    x = x.add(this.pe.at(`:${x.size(0)}`)); // x + self.pe[:x.size(0)]
    return this.dropout(x);
  }
}

// torchtext's get_tokenizer('basic_english')
const patterns: [RegExp, string][] = [
  [/'/g, " '  "],
  [/"/g, ''],
  [/\./g, ' . '],
  [/<br \/>/g, ' '],
  [/,/g, ' , '],
  [/\(/g, ' ( '],
  [/\)/g, ' ) '],
  [/!/g, ' ! '],
  [/\?/g, ' ? '],
  [/;/g, ' '],
  [/:/g, ' '],
  [/\s+/g, ' '],
];
function tokenizer(line: string): string[] {
  line = line.toLowerCase();
  for (const [p, r] of patterns) line = line.replace(p, r);
  return line.split(' ').filter((t) => t !== '');
}
// build_vocab_from_iterator(map(tokenizer, train_iter), specials=['<unk>']); set_default_index(vocab['<unk>'])
function build_vocab_from_iterator(it: Iterable<string[]>, specials: string[]): { itos: string[]; call: (toks: string[]) => number[] } {
  const counter = new Map<string, number>();
  for (const toks of it) for (const t of toks) counter.set(t, (counter.get(t) ?? 0) + 1);
  const ordered = [...counter].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).sort((a, b) => b[1] - a[1]);
  const itos = [...specials, ...ordered.map(([t]) => t)];
  const stoi = new Map(itos.map((t, i) => [t, i]));
  return { itos, call: (toks) => toks.map((t) => stoi.get(t) ?? stoi.get('<unk>')!) };
}

const text = readFileSync(fileURLToPath(new URL('../charlm/kjv-excerpt.txt', import.meta.url)), 'utf8').slice(0, 3000);
const lines = text.split('\n').slice(0, -1); // whole lines only
const [n80, n90] = [Math.floor(lines.length * 0.8), Math.floor(lines.length * 0.9)];
const [train_iter, val_iter, test_iter] = [lines.slice(0, n80), lines.slice(n80, n90), lines.slice(n90)];
const vocab = build_vocab_from_iterator(train_iter.map(tokenizer), ['<unk>']);

/** Converts raw text into a flat Tensor. */
function data_process(raw_text_iter: string[]): Tensor {
  const data = raw_text_iter.map((item) => dl.tensor(vocab.call(tokenizer(item)), { dtype: 'int64' }));
  return dl.cat(data.filter((t) => t.numel() > 0));
}

/** Divides the data into bsz separate sequences, removing extra elements that wouldn't cleanly fit. */
function batchify(data: Tensor, bsz: number): Tensor {
  const seq_len = Math.floor(data.size(0) / bsz);
  data = data.at(`:${seq_len * bsz}`);
  data = data.view(bsz, seq_len).t().contiguous();
  return data;
}

const bptt = 35;
function get_batch(source: Tensor, i: number): [Tensor, Tensor] {
  const seq_len = Math.min(bptt, source.size(0) - 1 - i);
  const data = source.at(`${i}:${i + seq_len}`);
  const target = source.at(`${i + 1}:${i + 1 + seq_len}`).reshape(-1);
  return [data, target];
}

type Nested = number | Nested[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
async function maxDiff(a: Tensor, b: Tensor | Nested): Promise<number> {
  const x = flat((await a.toArray()) as Nested);
  const y = b instanceof Tensor ? flat((await b.toArray()) as Nested) : flat(b);
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
}

interface Reference {
  state_dict: Record<string, Tensor>;
  data: Tensor;
  targets: Tensor;
  src_mask: Tensor;
  output: Tensor;
  loss: Tensor;
  grads: Record<string, Tensor>;
}
const REF_PT = fileURLToPath(new URL('./__fixtures__/transformer-tutorial.pt', import.meta.url));

describe('tutorial: Language Modeling with nn.Transformer', () => {
  it('load and batch data: tokenizer, vocab, batchify, get_batch, the mask and the positional encoding', async () => {
    expect(tokenizer(train_iter[0]!)).toEqual(ref.tokens_line0);
    expect(vocab.itos).toEqual(ref.itos);
    expect(vocab.call(['god', 'zebra'])).toEqual([ref.itos.indexOf('god'), 0]); // unknown words are <unk>
    const [train_data, val_data, test_data] = [data_process(train_iter), data_process(val_iter), data_process(test_iter)];
    expect(train_data.numel()).toBe(ref.train_tokens);
    expect(val_data.numel()).toBe(ref.val_tokens);
    const batch_size = 4; // the tutorial's 20
    const eval_batch_size = 2; // the tutorial's 10
    const trainB = batchify(train_data, batch_size); // shape [seq_len, batch_size]
    expect(trainB.shape).toEqual(ref.train_shape);
    expect(batchify(val_data, eval_batch_size).shape).toEqual(ref.val_shape);
    expect(batchify(test_data, eval_batch_size).shape).toEqual(ref.test_shape);
    expect(await trainB.at(':3').toArray()).toEqual(ref.train_head);
    const [data, targets] = get_batch(trainB, 0);
    expect(data.shape).toEqual([bptt, batch_size]);
    expect(targets.shape).toEqual([bptt * batch_size]);
    expect(await targets.at(':4').toArray()).toEqual(ref.train_head[1]);
    const [last, lastTargets] = get_batch(trainB, 105); // the last batch is shorter
    expect(last.shape).toEqual([16, batch_size]);
    expect(lastTargets.shape).toEqual([64]);

    expect(String(generate_square_subsequent_mask(5))).toBe(ref.mask5);
    const pe = new PositionalEncoding(32, 0.1).pe;
    expect(pe.shape).toEqual(ref.pe_shape);
    expect(await maxDiff(pe.at(dl.tensor([0, 1, 7, 4999], { dtype: 'int64' }), 0), ref.pe_rows)).toBeLessThan(2e-4); // sin/cos of 4999 rad in float32
    expect(await maxDiff(pe.at(dl.tensor([0, 1, 7], { dtype: 'int64' }), 0), ref.pe_rows.slice(0, 3))).toBeLessThan(1e-6);
  });

  it("initiate an instance: the tutorial's model prints as torch's, with torch's state-dict keys", () => {
    const ntokens = vocab.itos.length; // size of vocabulary
    const emsize = 200; // embedding dimension
    const d_hid = 200; // dimension of the feedforward network model in nn.TransformerEncoder
    const nlayers = 2; // number of nn.TransformerEncoderLayer in nn.TransformerEncoder
    const nhead = 2; // number of heads in nn.MultiheadAttention
    const dropout = 0.2; // dropout probability
    const model = new TransformerModel(ntokens, emsize, nhead, d_hid, nlayers, dropout);
    expect(inspect(model)).toBe(ref.repr);
    expect(Object.keys(model.stateDict())).toEqual(ref.state_keys);
    expect(model.parameters().reduce((a, p) => a + p.numel(), 0)).toBe(ref.param_count);
  });

  it("torch's weights (torch.save, dl.load) give torch's output, gradients and training steps", async () => {
    const r = (await dl.load(REF_PT)) as unknown as Reference;
    const ntokens = vocab.itos.length;
    const model = new TransformerModel(ntokens, 32, 2, 64, 2, 0.2);
    expect(model.loadStateDict(r.state_dict, { strict: false })).toEqual({ missingKeys: ['pos_encoder.pe'], unexpectedKeys: [] });
    expect(await r.src_mask.equal(generate_square_subsequent_mask(12))).toBe(true);
    const criterion = new nn.CrossEntropyLoss();
    model.eval();
    const outEval = noGrad(() => model(r.data, r.src_mask));
    expect(outEval.shape).toEqual([12, 4, ntokens]);
    expect(await maxDiff(outEval, r.output)).toBeLessThan(2e-5);
    const output = model(r.data, r.src_mask);
    const loss = criterion(output.view(-1, ntokens), r.targets);
    expect(Math.abs((await loss.item()) - (await r.loss.item()))).toBeLessThan(1e-5);
    loss.backward();
    for (const [k, p] of model.namedParameters()) {
      const g = r.grads[k]!;
      const tol = 1e-5 * Math.max(1, (await g.abs().max().item()) as number);
      expect(await maxDiff(p.grad!, g), k).toBeLessThan(tol);
    }

    // the tutorial's training step (dropout off: torch's dropout draws cannot be shared),
    // StepLR stepping every step here so that six steps see six learning rates
    const lr = 5.0;
    const optimizer = new optim.SGD(model.parameters(), { lr });
    const scheduler = new optim.lrScheduler.StepLR(optimizer, 1.0, { gamma: 0.95 });
    const trainB = batchify(data_process(train_iter), 4);
    for (let step = 0; step < 6; step++) {
      const [d, t] = get_batch(trainB, (step % 3) * bptt);
      let mask = generate_square_subsequent_mask(bptt);
      const seq_len = d.size(0);
      if (seq_len !== bptt) mask = mask.at(`:${seq_len}`, `:${seq_len}`);
      const out = model(d, mask);
      const l = criterion(out.view(-1, ntokens), t);
      optimizer.zeroGrad();
      l.backward();
      const norm = nn.utils.clipGradNorm_(model.parameters(), 0.5);
      optimizer.step();
      scheduler.step();
      const want = ref.steps[step]!;
      expect(Math.abs((await l.item()) - want.loss), `loss at step ${step}`).toBeLessThan(2e-4);
      expect(Math.abs((await norm.item()) - want.norm) / want.norm, `norm at step ${step}`).toBeLessThan(2e-4);
      expect(scheduler.getLastLr()[0]).toBeCloseTo(want.lr, 12);
    }
  }, 180_000);

  it('run the model: train() and evaluate() over 15 epochs with SGD lr 5.0, StepLR and clip_grad_norm_; the losses fall', async () => {
    dl.manualSeed(0);
    const [train_data, val_data, test_data] = [
      batchify(data_process(train_iter), 4),
      batchify(data_process(val_iter), 2),
      batchify(data_process(test_iter), 2),
    ];
    const ntokens = vocab.itos.length; // size of vocabulary
    const emsize = 200; // embedding dimension
    const d_hid = 200; // dimension of the feedforward network model in nn.TransformerEncoder
    const nlayers = 2; // number of nn.TransformerEncoderLayer in nn.TransformerEncoder
    const nhead = 2; // number of heads in nn.MultiheadAttention
    const dropout = 0.2; // dropout probability
    let model = new TransformerModel(ntokens, emsize, nhead, d_hid, nlayers, dropout);

    const criterion = new nn.CrossEntropyLoss();
    const lr = 5.0; // learning rate
    const optimizer = new optim.SGD(model.parameters(), { lr });
    const scheduler = new optim.lrScheduler.StepLR(optimizer, 1.0, { gamma: 0.95 });

    const epochLosses: number[] = [];
    function train(model: TransformerModel): void {
      model.train(); // turn on train mode
      let total_loss = 0;
      let src_mask = generate_square_subsequent_mask(bptt);
      let batches = 0;
      for (let i = 0; i < train_data.size(0) - 1; i += bptt) {
        const [data, targets] = get_batch(train_data, i);
        const seq_len = data.size(0);
        if (seq_len !== bptt) src_mask = src_mask.at(`:${seq_len}`, `:${seq_len}`); // only on last batch
        const output = model(data, src_mask);
        const loss = criterion(output.view(-1, ntokens), targets);
        optimizer.zeroGrad();
        loss.backward();
        nn.utils.clipGradNorm_(model.parameters(), 0.5);
        optimizer.step();
        total_loss += loss.itemSync();
        batches++;
      }
      // the tutorial logs every 200 batches; an epoch is 4 batches here, so once per epoch
      epochLosses.push(total_loss / batches);
    }

    function evaluate(model: TransformerModel, eval_data: Tensor): number {
      model.eval(); // turn on evaluation mode
      let total_loss = 0;
      let src_mask = generate_square_subsequent_mask(bptt);
      noGrad(() => {
        for (let i = 0; i < eval_data.size(0) - 1; i += bptt) {
          const [data, targets] = get_batch(eval_data, i);
          const seq_len = data.size(0);
          if (seq_len !== bptt) src_mask = src_mask.at(`:${seq_len}`, `:${seq_len}`);
          const output = model(data, src_mask);
          const output_flat = output.view(-1, ntokens);
          total_loss += seq_len * criterion(output_flat, targets).itemSync();
        }
      });
      return total_loss / (eval_data.size(0) - 1);
    }

    let best_val_loss = Infinity;
    const epochs = 15; // the tutorial's 3 epochs of 2928 batches; here 15 epochs of 4 (60 steps, for time)
    let best_model_params: Record<string, Tensor> | null = null; // the tutorial's copy.deepcopy(model)
    const valLosses: number[] = [];
    for (let epoch = 1; epoch <= epochs; epoch++) {
      train(model);
      const val_loss = evaluate(model, val_data);
      const val_ppl = Math.exp(val_loss);
      expect(Number.isFinite(val_ppl)).toBe(true);
      valLosses.push(val_loss);
      if (val_loss < best_val_loss) {
        best_val_loss = val_loss;
        best_model_params = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.clone()]));
      }
      scheduler.step();
    }
    expect(scheduler.getLastLr()[0]).toBeCloseTo(5.0 * 0.95 ** 15, 10);
    // ln(ntokens) = 4.66 at the start; the training loss falls far below it
    expect(epochLosses[0]!).toBeGreaterThan(4);
    expect(epochLosses[epochs - 1]!).toBeLessThan(epochLosses[0]! - 1.5);
    // 110 training tokens a column: the model memorises them, and the validation loss is lowest early
    expect(Math.min(...valLosses)).toBeLessThan(valLosses[0]!);

    // Evaluate the best model on the test dataset
    const best_model = new TransformerModel(ntokens, emsize, nhead, d_hid, nlayers, dropout);
    best_model.loadStateDict(best_model_params!);
    model = best_model;
    const test_loss = evaluate(best_model, test_data);
    expect(Number.isFinite(test_loss)).toBe(true);
    expect(evaluate(best_model, val_data)).toBeCloseTo(best_val_loss, 4);
  }, 300_000);
});
