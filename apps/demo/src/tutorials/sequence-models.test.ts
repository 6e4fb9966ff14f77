// pytorch.org/tutorials, Deep Learning for NLP with PyTorch: "Sequence Models and Long Short-Term
// Memory Networks" (torch 1.13), ported line by line. dl's random generator is not torch's, so
// torch's weights and inputs travel in a fixture written by tools/reference/sequence_models.py;
// with them the numbers must be torch's. Reprs are torch 1.13's printed output.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn, F } from '@dl/nn';
import * as optim from '@dl/optim';
import ref from './__fixtures__/sequence-models.json' with { type: 'json' };

type Nested = number | Nested[];

/** A torch state dict from the fixture (nested lists) as dl tensors. */
function stateDict(sd: Record<string, Nested>): Record<string, dl.Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, dl.tensor(v as number[])]));
}

function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/** Largest |a - b| over two tensors of the same shape (or a tensor and torch's nested list). */
async function maxDiff(a: dl.Tensor, b: dl.Tensor | Nested): Promise<number> {
  const x = flat((await a.toArray()) as Nested);
  const y = b instanceof dl.Tensor ? flat((await b.toArray()) as Nested) : flat(b);
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
}

describe('tutorial: Sequence Models and Long Short-Term Memory Networks', () => {
  it('LSTMs in PyTorch: step by step with a hidden tuple, then the whole sequence at once', async () => {
    dl.manualSeed(1);
    const lstm = new nn.LSTM(3, 3); // Input dim is 3, output dim is 3
    expect(inspect(lstm)).toBe(ref.lstm.repr); // LSTM(3, 3)
    expect(Object.keys(lstm.stateDict())).toEqual(ref.lstm.state_keys);
    // torch.manual_seed(1)'s weights and inputs (dl's generator draws other numbers)
    expect(lstm.loadStateDict(stateDict(ref.lstm.state_dict))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    let inputs = ref.lstm.inputs.map((i) => dl.tensor(i)); // make a sequence of length 5

    // initialize the hidden state.
    let hidden: [dl.Tensor, dl.Tensor] = [dl.tensor(ref.lstm.hidden0[0]!), dl.tensor(ref.lstm.hidden0[1]!)];
    const hidden0 = hidden;
    const stepOuts: dl.Tensor[] = [];
    let out!: dl.Tensor;
    for (const i of inputs) {
      // Step through the sequence one element at a time.
      // after each step, hidden contains the hidden state.
      [out, hidden] = lstm(i.view(1, 1, -1), hidden);
      stepOuts.push(out);
    }
    for (let t = 0; t < 5; t++) expect(await maxDiff(stepOuts[t]!, ref.lstm.steps[t]!)).toBeLessThan(1e-6);
    expect(await maxDiff(hidden[0], ref.lstm.step_hidden[0]!)).toBeLessThan(1e-6);
    expect(await maxDiff(hidden[1], ref.lstm.step_hidden[1]!)).toBeLessThan(1e-6);
    const stepHidden = hidden;

    // alternatively, we can do the entire sequence all at once.
    // the first value returned by LSTM is all of the hidden states throughout
    // the sequence. the second is just the most recent hidden state
    const whole = dl.cat(inputs).view(inputs.length, 1, -1);
    inputs = [whole];
    hidden = [dl.tensor(ref.lstm.hidden1[0]!), dl.tensor(ref.lstm.hidden1[1]!)]; // clean out hidden state
    [out, hidden] = lstm(whole, hidden);
    expect(out.shape).toEqual([5, 1, 3]);
    expect(await maxDiff(out, ref.lstm.out)).toBeLessThan(1e-6);
    expect(await maxDiff(hidden[0], ref.lstm.hidden[0]!)).toBeLessThan(1e-6);
    expect(await maxDiff(hidden[1], ref.lstm.hidden[1]!)).toBeLessThan(1e-6);
    // print(out): torch's values to 4 places (the grad_fn name is the implementation's)
    expect(String(out).replace(/, grad_fn=<\w+>/, '')).toBe(ref.lstm.out_str.replace(/, grad_fn=<\w+>/, ''));
    expect(String(out)).toMatch(/grad_fn=<\w+Backward\d*>\)$/);

    // from the same initial hidden state, all at once equals step by step
    const [outSame, [hSame, cSame]] = lstm(whole, hidden0);
    expect(await maxDiff(outSame, dl.cat(stepOuts))).toBeLessThan(1e-6);
    expect(await maxDiff(hSame, stepHidden[0])).toBeLessThan(1e-6);
    expect(await maxDiff(cSame, stepHidden[1])).toBeLessThan(1e-6);
    expect(await maxDiff(outSame, ref.lstm.out_same)).toBeLessThan(1e-6);
    expect(await maxDiff(hSame, ref.lstm.hidden_same[0]!)).toBeLessThan(1e-6);
    expect(await maxDiff(cSame, ref.lstm.hidden_same[1]!)).toBeLessThan(1e-6);
  });

  it('an LSTM for part-of-speech tagging: LSTMTagger trained 300 epochs with SGD lr 0.1 tags as torch', async () => {
    function prepareSequence(seq: string[], toIx: Record<string, number>): dl.Tensor {
      const idxs = seq.map((w) => toIx[w]!);
      return dl.tensor(idxs, { dtype: 'int32' }); // torch.long (Note [int64 is int32])
    }

    const trainingData: [string[], string[]][] = [
      // Tags are: DET - determiner; NN - noun; V - verb
      // For example, the word "The" is a determiner
      ['The dog ate the apple'.split(' '), ['DET', 'NN', 'V', 'DET', 'NN']],
      ['Everybody read that book'.split(' '), ['NN', 'V', 'DET', 'NN']],
    ];
    const wordToIx: Record<string, number> = {};
    // For each words-list (sentence) and tags-list in each tuple of training_data
    for (const [sent] of trainingData) {
      for (const word of sent) {
        if (!(word in wordToIx)) {
          // word has not been assigned an index yet
          wordToIx[word] = Object.keys(wordToIx).length; // Assign each word with a unique index
        }
      }
    }
    expect(wordToIx).toEqual(ref.tagger.word_to_ix); // print(word_to_ix)
    const tagToIx: Record<string, number> = { DET: 0, NN: 1, V: 2 }; // Assign each tag with a unique index

    // These will usually be more like 32 or 64 dimensional.
    // We will keep them small, so we can see how the weights change as we train.
    const EMBEDDING_DIM = 6;
    const HIDDEN_DIM = 6;

    class LSTMTagger extends nn.Module {
      hiddenDim: number;
      wordEmbeddings: nn.Embedding;
      lstm: nn.LSTM;
      hidden2tag: nn.Linear;
      constructor(embeddingDim: number, hiddenDim: number, vocabSize: number, tagsetSize: number) {
        super();
        this.hiddenDim = hiddenDim;
        this.wordEmbeddings = new nn.Embedding(vocabSize, embeddingDim);
        // The LSTM takes word embeddings as inputs, and outputs hidden states
        // with dimensionality hidden_dim.
        this.lstm = new nn.LSTM(embeddingDim, hiddenDim);
        // The linear layer that maps from hidden state space to tag space
        this.hidden2tag = new nn.Linear(hiddenDim, tagsetSize);
      }
      forward(sentence: dl.Tensor): dl.Tensor {
        const embeds = this.wordEmbeddings(sentence);
        const [lstmOut] = this.lstm(embeds.view(sentence.shape[0]!, 1, -1));
        const tagSpace = this.hidden2tag(lstmOut.view(sentence.shape[0]!, -1));
        const tagScores = F.logSoftmax(tagSpace, 1);
        return tagScores;
      }
    }

    const model = new LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, Object.keys(wordToIx).length, Object.keys(tagToIx).length);
    expect(inspect(model)).toBe(ref.tagger.repr);
    expect(Object.keys(model.stateDict())).toEqual(ref.tagger.state_keys);
    model.loadStateDict(stateDict(ref.tagger.state_dict)); // torch.manual_seed(1)'s initial weights
    const lossFunction = new nn.NLLLoss();
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });

    // See what the scores are before training
    // Note that element i,j of the output is the score for tag j for word i.
    // Here we don't need to train, so the code is wrapped in torch.no_grad()
    await noGrad(async () => {
      const inputs = prepareSequence(trainingData[0]![0], wordToIx);
      const tagScores = model(inputs);
      expect(await maxDiff(tagScores, ref.tagger.before)).toBeLessThan(1e-6);
    });

    const losses: number[] = [];
    for (let epoch = 0; epoch < 300; epoch++) {
      // again, normally you would NOT do 300 epochs, it is toy data
      for (const [sentence, tags] of trainingData) {
        // Step 1. Remember that Pytorch accumulates gradients.
        // We need to clear them out before each instance
        model.zeroGrad();
        // Step 2. Get our inputs ready for the network, that is, turn them into
        // Tensors of word indices.
        const sentenceIn = prepareSequence(sentence, wordToIx);
        const targets = prepareSequence(tags, tagToIx);
        // Step 3. Run our forward pass.
        const tagScores = model(sentenceIn);
        // Step 4. Compute the loss, gradients, and update the parameters by
        //  calling optimizer.step()
        const loss = lossFunction(tagScores, targets);
        loss.backward();
        optimizer.step();
        if (epoch % 50 === 0 || epoch === 299) losses.push(await loss.item());
      }
    }
    // the loss curve follows torch's (float32 on both sides; rounding differences grow slowly)
    const refLosses = ref.tagger.losses.filter((_, k) => Math.floor(k / 2) % 50 === 0 || Math.floor(k / 2) === 299);
    expect(losses.length).toBe(refLosses.length);
    for (let k = 0; k < losses.length; k++) expect(Math.abs(losses[k]! - refLosses[k]!)).toBeLessThan(1e-4);

    // See what the scores are after training
    await noGrad(async () => {
      const inputs = prepareSequence(trainingData[0]![0], wordToIx);
      const tagScores = model(inputs);
      // The sentence is "the dog ate the apple".  i,j corresponds to score for tag j
      // for word i. The predicted tag is the maximum scoring tag.
      expect(await maxDiff(tagScores, ref.tagger.after)).toBeLessThan(1e-4);
      // DET NN V DET NN: the tags come out right
      expect(await tagScores.argmax(1).toArray()).toEqual([0, 1, 2, 0, 1]);
      expect(ref.tagger.after_argmax).toEqual([0, 1, 2, 0, 1]);
    });
  }, 180_000);
});
