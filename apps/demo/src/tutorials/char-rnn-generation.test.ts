// pytorch.org/tutorials, "NLP From Scratch: Generating Names with a Character-Level RNN" (torch
// 1.13), ported line by line: the RNN with i2h, i2o and o2o Linear layers, dropout 0.1 and
// LogSoftmax conditioned on a one-hot category; train() with the manual update
// `p.data.add_(p.grad.data, alpha=-learning_rate)`; sample() by greedy top-1. There is no names
// dataset here: NAMES is a small hand-written list for four languages (the tutorial reads
// data/names/*.txt, 18 languages), and the tutorial's 100000 iterations shrink to 600 for time.
// tools/reference/char_rnn_generation.py pins torch's numbers: from torch's initial weights, the
// losses of 20 train() calls (dropout off) and the names sample() gives afterwards.
// dl: Tensor has no in-place unsqueeze_; `target_line_tensor.unsqueeze_(-1)` is written
// `target_line_tensor = target_line_tensor.unsqueeze(-1)` (reported).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn } from '@dl/nn';
import ref from './__fixtures__/char-rnn-generation.json' with { type: 'json' };

type Tensor = dl.Tensor;

const all_letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' + " .,;'-"; // string.ascii_letters + " .,;'-"
const n_letters = all_letters.length + 1; // Plus EOS marker

const NAMES: Record<string, string> = {
  Japanese:
    'Abe Aoki Fujita Hayashi Ikeda Inoue Kato Kimura Kobayashi Matsumoto Nakamura Nakajima Ogawa Saito Sasaki Suzuki Takahashi Tanaka Watanabe Yamamoto Yoshida Yamaguchi',
  Russian:
    'Abramov Belov Bogdanov Volkov Ivanov Kozlov Kuznetsov Lebedev Morozov Novikov Orlov Pavlov Petrov Popov Romanov Smirnov Sokolov Sorokin Vasiliev Zaitsev Medvedev Egorov',
  Italian:
    'Bianchi Bruno Colombo Conti Costa Esposito Ferrari Ferraro Gallo Greco Lombardi Mancini Marino Moretti Ricci Rinaldi Romano Russo Santoro Rizzo Barbieri Fontana',
  Scottish:
    'Campbell Anderson Burns Craig Douglas Fraser Graham Hamilton Henderson Kerr Macdonald Mackenzie Maclean Murray Robertson Ross Sinclair Stewart Thomson Wallace Watson Wilson',
};
const all_categories = Object.keys(NAMES);
const category_lines: Record<string, string[]> = Object.fromEntries(Object.entries(NAMES).map(([c, l]) => [c, l.split(' ')]));
const n_categories = all_categories.length;

class RNN extends nn.Module {
  hidden_size: number;
  i2h: nn.Linear;
  i2o: nn.Linear;
  o2o: nn.Linear;
  dropout: nn.Dropout;
  softmax: nn.LogSoftmax;
  constructor(input_size: number, hidden_size: number, output_size: number) {
    super();
    this.hidden_size = hidden_size;
    this.i2h = new nn.Linear(n_categories + input_size + hidden_size, hidden_size);
    this.i2o = new nn.Linear(n_categories + input_size + hidden_size, output_size);
    this.o2o = new nn.Linear(hidden_size + output_size, output_size);
    this.dropout = new nn.Dropout(0.1);
    this.softmax = new nn.LogSoftmax({ dim: 1 });
  }
  forward(category: Tensor, input: Tensor, hidden: Tensor): [Tensor, Tensor] {
    const input_combined = dl.cat([category, input, hidden], 1);
    hidden = this.i2h(input_combined);
    let output = this.i2o(input_combined);
    const output_combined = dl.cat([hidden, output], 1);
    output = this.o2o(output_combined);
    output = this.dropout(output);
    output = this.softmax(output);
    return [output, hidden];
  }
  initHidden(): Tensor {
    return dl.zeros(1, this.hidden_size);
  }
}

// One-hot vector for category
function categoryTensor(category: string): Tensor {
  const li = all_categories.indexOf(category);
  const tensor = dl.zeros(1, n_categories);
  tensor.at(0, li).fill_(1); // tensor[0][li] = 1
  return tensor;
}
// One-hot matrix of first to last letters (not including EOS) for input
function inputTensor(line: string): Tensor {
  const tensor = dl.zeros(line.length, 1, n_letters);
  for (let li = 0; li < line.length; li++) {
    const letter = line[li]!;
    tensor.at(li, 0, all_letters.indexOf(letter)).fill_(1);
  }
  return tensor;
}
// LongTensor of second letter to end (EOS) for target
function targetTensor(line: string): Tensor {
  const letter_indexes = Array.from({ length: line.length - 1 }, (_, k) => all_letters.indexOf(line[k + 1]!));
  letter_indexes.push(n_letters - 1); // EOS
  return dl.tensor(letter_indexes, { dtype: 'int64' }); // torch.LongTensor(letter_indexes)
}

const criterion = new nn.NLLLoss();
const learning_rate = 0.0005;

function makeTrain(rnn: RNN) {
  return (category_tensor: Tensor, input_line_tensor: Tensor, target_line_tensor: Tensor): [Tensor, number] => {
    target_line_tensor = target_line_tensor.unsqueeze(-1); // target_line_tensor.unsqueeze_(-1)
    let hidden = rnn.initHidden();
    rnn.zeroGrad();
    let loss: Tensor | number = 0;
    let output!: Tensor;
    for (let i = 0; i < input_line_tensor.size(0); i++) {
      [output, hidden] = rnn(category_tensor, input_line_tensor.at(i), hidden);
      const l = criterion(output, target_line_tensor.at(i));
      loss = l.add(loss); // loss += l
    }
    (loss as Tensor).backward();
    for (const p of rnn.parameters()) p.data.add_(p.grad!.data, { alpha: -learning_rate });
    return [output, (loss as Tensor).itemSync() / input_line_tensor.size(0)];
  };
}

const max_length = 20;
// Sample from a category and starting letter
function makeSample(rnn: RNN) {
  return (category: string, start_letter = 'A'): string =>
    noGrad(() => {
      // no need to track history in sampling
      const category_tensor = categoryTensor(category);
      let input = inputTensor(start_letter);
      let hidden = rnn.initHidden();
      let output_name = start_letter;
      for (let i = 0; i < max_length; i++) {
        let output: Tensor;
        [output, hidden] = rnn(category_tensor, input.at(0), hidden);
        const [, topiAll] = output.topk(1);
        const topi = topiAll.at(0, 0).itemSync(); // topi = topi[0][0]
        let letter: string;
        if (topi === n_letters - 1) {
          break;
        } else {
          letter = all_letters[topi]!;
          output_name += letter;
        }
        input = inputTensor(letter);
      }
      return output_name;
    });
}

describe('tutorial: Generating Names with a Character-Level RNN', () => {
  it("torch's initial weights: the repr, targetTensor, 20 train() losses and the sampled names are torch's", () => {
    expect(n_letters).toBe(ref.n_letters);
    const rnn = new RNN(n_letters, 128, n_letters);
    expect(inspect(rnn)).toBe(ref.repr);
    expect(Object.keys(rnn.stateDict())).toEqual(ref.state_keys);
    rnn.loadStateDict(Object.fromEntries(Object.entries(ref.state_dict).map(([k, v]) => [k, dl.tensor(v as number[])])));
    expect(targetTensor('Kasparov').toArraySync()).toEqual(ref.target_Kasparov);
    rnn.eval(); // dropout off: torch's dropout draws cannot be shared
    const train = makeTrain(rnn);
    for (let it = 0; it < 20; it++) {
      const [category, line] = ref.examples[it % ref.examples.length] as [string, string];
      const [, loss] = train(categoryTensor(category), inputTensor(line), targetTensor(line));
      expect(Math.abs(loss - ref.losses[it]!), `loss of train() call ${it}`).toBeLessThan(1e-5);
    }
    const sample = makeSample(rnn);
    for (const [category, names] of Object.entries(ref.samples)) {
      expect(
        [...'ABC'].map((s) => sample(category, s)),
        category,
      ).toEqual(names);
    }
  }, 180_000);

  it('training: the loss falls; samples() writes names that start with the given letters', () => {
    dl.manualSeed(0);
    let s = 1; // a seeded random.random() (mulberry32)
    const random = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const randomChoice = <T>(l: readonly T[]): T => l[Math.floor(random() * l.length)]!;
    // Get a random category and random line from that category
    function randomTrainingPair(): [string, string] {
      const category = randomChoice(all_categories);
      const line = randomChoice(category_lines[category]!);
      return [category, line];
    }
    // Make category, input, and target tensors from a random category, line pair
    function randomTrainingExample(): [Tensor, Tensor, Tensor] {
      const [category, line] = randomTrainingPair();
      return [categoryTensor(category), inputTensor(line), targetTensor(line)];
    }

    const rnn = new RNN(n_letters, 128, n_letters);
    const train = makeTrain(rnn);
    const n_iters = 600; // the tutorial's 100000
    const plot_every = 200;
    const all_losses: number[] = [];
    let total_loss = 0; // Reset every plot_every iters
    for (let iter = 1; iter <= n_iters; iter++) {
      const [, loss] = train(...randomTrainingExample());
      total_loss += loss;
      if (iter % plot_every === 0) {
        all_losses.push(total_loss / plot_every);
        total_loss = 0;
      }
    }
    expect(all_losses[0]!).toBeGreaterThan(3);
    expect(all_losses[2]!).toBeLessThan(all_losses[0]! - 0.15); // 1500 iterations: 3.97, 3.52, 3.09 per 500

    rnn.eval();
    const sample = makeSample(rnn);
    // Get multiple samples from one category and multiple starting letters
    const samples = (category: string, start_letters = 'ABC') => [...start_letters].map((s) => sample(category, s));
    for (const category of ['Russian', 'Italian', 'Japanese']) {
      const names = samples(category, 'RSK');
      names.forEach((name, i) => {
        expect(name[0]).toBe('RSK'[i]);
        expect(name.length).toBeLessThanOrEqual(max_length + 1);
        expect(name).toMatch(/^[A-Za-z .,;'-]+$/);
      });
    }
  }, 300_000);
});
