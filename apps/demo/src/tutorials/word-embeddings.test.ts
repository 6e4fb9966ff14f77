// pytorch.org/tutorials, "Deep Learning for NLP with PyTorch" (torch 1.13): "Deep Learning with
// PyTorch" (the bag-of-words logistic-regression classifier) and "Word Embeddings: Encoding
// Lexical Semantics" (nn.Embedding lookups, the N-Gram language model with NLLLoss and SGD, and
// the CBOW exercise, solved), ported line by line. dl's random generator is not torch's, so
// tools/reference/word_embeddings.py writes torch.manual_seed(1)'s weights with torch's printed
// outputs and losses, and the port loads them: the numbers and printouts must be torch's.
// One deliberate difference: the tutorial's word_to_ix enumerates `set(test_sentence)`, whose
// order depends on Python's string hashing; the port (and the reference) use first-appearance
// order, JS's Set order.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn, F } from '@dl/nn';
import * as optim from '@dl/optim';
import ref from './__fixtures__/word-embeddings.json' with { type: 'json' };

type Nested = number | Nested[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const stateDict = (sd: Record<string, Nested>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, dl.tensor(v as number[])]));
async function maxDiff(a: dl.Tensor, b: Nested): Promise<number> {
  const x = flat((await a.toArray()) as Nested);
  const y = flat(b);
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
}

const CONTEXT_SIZE = 2;
const EMBEDDING_DIM = 10;

describe('tutorial: Deep Learning with PyTorch (NLP): the bag-of-words classifier', () => {
  const data: [string[], string][] = [
    ['me gusta comer en la cafeteria'.split(' '), 'SPANISH'],
    ['Give it to me'.split(' '), 'ENGLISH'],
    ['No creo que sea una buena idea'.split(' '), 'SPANISH'],
    ['No it is not a good idea to get lost at sea'.split(' '), 'ENGLISH'],
  ];
  const test_data: [string[], string][] = [
    ['Yo creo que si'.split(' '), 'SPANISH'],
    ['it is lost on me'.split(' '), 'ENGLISH'],
  ];

  class BoWClassifier extends nn.Module {
    // inheriting from nn.Module!
    linear: nn.Linear;
    constructor(num_labels: number, vocab_size: number) {
      super();
      // Define the parameters that you will need. In this case, we need A and b,
      // the parameters of the affine mapping.
      this.linear = new nn.Linear(vocab_size, num_labels);
    }
    forward(bow_vec: dl.Tensor): dl.Tensor {
      // Pass the input through the linear layer,
      // then pass that through log_softmax.
      return F.logSoftmax(this.linear(bow_vec), 1);
    }
  }

  function make_bow_vector(sentence: string[], word_to_ix: Record<string, number>): dl.Tensor {
    const vec = dl.zeros(Object.keys(word_to_ix).length);
    for (const word of sentence) vec.at(word_to_ix[word]!).add_(1); // vec[word_to_ix[word]] += 1
    return vec.view(1, -1);
  }
  function make_target(label: string, label_to_ix: Record<string, number>): dl.Tensor {
    return dl.tensor([label_to_ix[label]!], { dtype: 'int64' }); // torch.LongTensor([label_to_ix[label]])
  }

  it("builds the vocabulary, prints torch's parameters and log probs, and trains 100 epochs to torch's numbers", async () => {
    // word_to_ix maps each word in the vocab to a unique integer
    const word_to_ix: Record<string, number> = {};
    for (const [sent] of [...data, ...test_data]) {
      for (const word of sent) if (!(word in word_to_ix)) word_to_ix[word] = Object.keys(word_to_ix).length;
    }
    expect(word_to_ix).toEqual(ref.bow.word_to_ix);
    const VOCAB_SIZE = Object.keys(word_to_ix).length;
    const NUM_LABELS = 2;
    const model = new BoWClassifier(NUM_LABELS, VOCAB_SIZE);
    model.loadStateDict(stateDict(ref.bow.state_dict)); // torch.manual_seed(1)'s weights
    // the model knows its parameters
    expect(model.parameters().map(String)).toEqual(ref.bow.params_str); // for param in model.parameters(): print(param)

    // To run the model, pass in a BoW vector
    // Here we don't need to train, so the code is wrapped in torch.no_grad()
    noGrad(() => {
      const sample = data[0]!;
      const bow_vector = make_bow_vector(sample[0], word_to_ix);
      const log_probs = model(bow_vector);
      expect(String(log_probs)).toBe(ref.bow.log_probs); // tensor([[-0.8195, -0.5810]])
    });

    const label_to_ix: Record<string, number> = { SPANISH: 0, ENGLISH: 1 };
    // Run on test data before we train, just to see a before-and-after
    await noGrad(async () => {
      for (const [k, [instance]] of test_data.entries()) {
        const log_probs = model(make_bow_vector(instance, word_to_ix));
        expect(await maxDiff(log_probs, ref.bow.before[k]!)).toBeLessThan(1e-6);
      }
    });
    // Print the matrix column corresponding to "creo"
    expect(String(model.parameters()[0]!.at(':', word_to_ix['creo']!))).toBe(ref.bow.creo_before);

    const loss_function = new nn.NLLLoss();
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    // Usually you want to pass over the training data several times.
    // 100 is much bigger than on a real data set, but real datasets have more than
    // two instances.  Usually, somewhere between 5 and 30 epochs is reasonable.
    for (let epoch = 0; epoch < 100; epoch++) {
      for (const [instance, label] of data) {
        // Step 1. Remember that PyTorch accumulates gradients.
        model.zeroGrad();
        // Step 2. Make our BOW vector and also we must wrap the target in a
        // Tensor as an integer.
        const bow_vec = make_bow_vector(instance, word_to_ix);
        const target = make_target(label, label_to_ix);
        // Step 3. Run our forward pass.
        const log_probs = model(bow_vec);
        // Step 4. Compute the loss, gradients, and update the parameters by
        // calling optimizer.step()
        const loss = loss_function(log_probs, target);
        loss.backward();
        optimizer.step();
      }
    }
    await noGrad(async () => {
      for (const [k, [instance, label]] of test_data.entries()) {
        const log_probs = model(make_bow_vector(instance, word_to_ix));
        expect(await maxDiff(log_probs, ref.bow.after[k]!)).toBeLessThan(1e-5);
        expect(log_probs.argmax(1).itemSync()).toBe(label_to_ix[label]); // both test sentences right
      }
    });
    // Index corresponding to Spanish goes up, English goes down!
    expect(String(model.parameters()[0]!.at(':', word_to_ix['creo']!))).toBe(ref.bow.creo_after);
  }, 90_000);
});

describe('tutorial: Word Embeddings: Encoding Lexical Semantics', () => {
  it('word embeddings in PyTorch: an nn.Embedding lookup', () => {
    dl.manualSeed(1);
    const word_to_ix: Record<string, number> = { hello: 0, world: 1 };
    const embeds = new nn.Embedding(2, 5); // 2 words in vocab, 5 dimensional embeddings
    expect(inspect(embeds)).toBe(ref.embeddings.repr);
    embeds.loadStateDict({ weight: dl.tensor(ref.embeddings.weight) }); // torch.manual_seed(1)'s draw
    const lookup_tensor = dl.tensor([word_to_ix['hello']!], { dtype: 'int64' });
    const hello_embed = embeds(lookup_tensor);
    expect(String(hello_embed)).toBe(ref.embeddings.hello_embed); // print(hello_embed)
  });

  it("an N-Gram language model: 10 epochs of SGD give torch's losses and torch's embedding of 'beauty'", async () => {
    // We will use Shakespeare Sonnet 2
    const test_sentence = `When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held:
Then being asked, where all thy beauty lies,
Where all the treasure of thy lusty days;
To say, within thine own deep sunken eyes,
Were an all-eating shame, and thriftless praise.
How much more praise deserv'd thy beauty's use,
If thou couldst answer 'This fair child of mine
Shall sum my count, and make my old excuse,'
Proving his beauty by succession thine!
This were to be new made when thou art old,
And see thy blood warm when thou feel'st it cold.`.split(/\s+/);
    // we should tokenize the input, but we will ignore that for now
    // build a list of tuples.
    // Each tuple is ([ word_i-CONTEXT_SIZE, ..., word_i-1 ], target word)
    const ngrams: [string[], string][] = [];
    for (let i = CONTEXT_SIZE; i < test_sentence.length; i++) {
      ngrams.push([Array.from({ length: CONTEXT_SIZE }, (_, j) => test_sentence[i - j - 1]!), test_sentence[i]!]);
    }
    // Print the first 3, just so you can see what they look like.
    expect(ngrams.slice(0, 3)).toEqual(ref.ngram.ngrams3);
    expect(ngrams.length).toBe(ref.ngram.n_ngrams);

    const vocab = new Set(test_sentence);
    const word_to_ix = Object.fromEntries([...vocab].map((word, i) => [word, i]));
    expect(vocab.size).toBe(ref.ngram.vocab_size);

    class NGramLanguageModeler extends nn.Module {
      embeddings: nn.Embedding;
      linear1: nn.Linear;
      linear2: nn.Linear;
      constructor(vocab_size: number, embedding_dim: number, context_size: number) {
        super();
        this.embeddings = new nn.Embedding(vocab_size, embedding_dim);
        this.linear1 = new nn.Linear(context_size * embedding_dim, 128);
        this.linear2 = new nn.Linear(128, vocab_size);
      }
      forward(inputs: dl.Tensor): dl.Tensor {
        const embeds = this.embeddings(inputs).view([1, -1]);
        let out = F.relu(this.linear1(embeds));
        out = this.linear2(out);
        const log_probs = F.logSoftmax(out, 1);
        return log_probs;
      }
    }

    const losses: number[] = [];
    const loss_function = new nn.NLLLoss();
    const model = new NGramLanguageModeler(vocab.size, EMBEDDING_DIM, CONTEXT_SIZE);
    expect(inspect(model)).toBe(ref.ngram.repr);
    model.loadStateDict(stateDict(ref.ngram.state_dict));
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.001 });

    for (let epoch = 0; epoch < 10; epoch++) {
      let total_loss = 0;
      for (const [context, target] of ngrams) {
        // Step 1. Prepare the inputs to be passed to the model (i.e, turn the words
        // into integer indices and wrap them in tensors)
        const context_idxs = dl.tensor(
          context.map((w) => word_to_ix[w]!),
          { dtype: 'int64' },
        );
        // Step 2. Recall that torch *accumulates* gradients. Before passing in a
        // new instance, you need to zero out the gradients from the old
        // instance
        model.zeroGrad();
        // Step 3. Run the forward pass, getting log probabilities over next
        // words
        const log_probs = model(context_idxs);
        // Step 4. Compute your loss function. (Again, Torch wants the target
        // word wrapped in a tensor)
        const loss = loss_function(log_probs, dl.tensor([word_to_ix[target]!], { dtype: 'int64' }));
        // Step 5. Do the backward pass and update the gradient
        loss.backward();
        optimizer.step();
        // Get the Python number from a 1-element Tensor by calling tensor.item()
        total_loss += loss.itemSync();
      }
      losses.push(total_loss);
    }
    // The loss decreased every iteration over the training data!
    for (let e = 1; e < 10; e++) expect(losses[e]!).toBeLessThan(losses[e - 1]!);
    for (let e = 0; e < 10; e++) expect(Math.abs(losses[e]! - ref.ngram.losses[e]!)).toBeLessThan(1e-3);
    // To get the embedding of a particular word, e.g. "beauty"
    const beauty = model.embeddings.weight.at(word_to_ix['beauty']!);
    expect(await maxDiff(beauty, ref.ngram.beauty)).toBeLessThan(1e-5);
    expect(String(beauty)).toBe(ref.ngram.beauty_str); // grad_fn=<SelectBackward0>
  }, 180_000);

  it('exercise: computing word embeddings with a Continuous Bag-of-Words model (solved); the loss falls', () => {
    dl.manualSeed(0);
    const raw_text = `We are about to study the idea of a computational process.
Computational processes are abstract beings that inhabit computers.
As they evolve, processes manipulate other abstract things called data.
The evolution of a process is directed by a pattern of rules
called a program. People create programs to direct processes. In effect,
we conjure the spirits of the computer with our spells.`.split(/\s+/);
    // By deriving a set from `raw_text`, we deduplicate the array
    const vocab = new Set(raw_text);
    const vocab_size = vocab.size;
    const word_to_ix = Object.fromEntries([...vocab].map((word, i) => [word, i]));
    const data: [string[], string][] = [];
    for (let i = CONTEXT_SIZE; i < raw_text.length - CONTEXT_SIZE; i++) {
      const context = [
        ...Array.from({ length: CONTEXT_SIZE }, (_, j) => raw_text[i - j - 1]!),
        ...Array.from({ length: CONTEXT_SIZE }, (_, j) => raw_text[i + j + 1]!),
      ];
      const target = raw_text[i]!;
      data.push([context, target]);
    }
    expect(data.slice(0, 5)).toEqual(ref.cbow_data5);

    class CBOW extends nn.Module {
      embeddings: nn.Embedding;
      linear: nn.Linear;
      constructor(vocab_size: number, embedding_dim: number) {
        super();
        this.embeddings = new nn.Embedding(vocab_size, embedding_dim);
        this.linear = new nn.Linear(embedding_dim, vocab_size);
      }
      forward(inputs: dl.Tensor): dl.Tensor {
        const embeds = this.embeddings(inputs).sum(0).view(1, -1); // the sum of the context's embeddings
        return F.logSoftmax(this.linear(embeds), 1);
      }
    }
    // Create your model and train. Here are some functions to help you make
    // the data ready for use by your module.
    function make_context_vector(context: string[], word_to_ix: Record<string, number>): dl.Tensor {
      const idxs = context.map((w) => word_to_ix[w]!);
      return dl.tensor(idxs, { dtype: 'int64' });
    }
    const example = make_context_vector(data[0]![0], word_to_ix); // example
    expect(example.shape).toEqual([4]);
    expect(example.dtype).toBe('int32'); // torch.long (Note [int64 is int32])

    const model = new CBOW(vocab_size, EMBEDDING_DIM);
    const loss_function = new nn.NLLLoss();
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 20; epoch++) {
      let total_loss = 0;
      for (const [context, target] of data) {
        model.zeroGrad();
        const log_probs = model(make_context_vector(context, word_to_ix));
        const loss = loss_function(log_probs, dl.tensor([word_to_ix[target]!], { dtype: 'int64' }));
        loss.backward();
        optimizer.step();
        total_loss += loss.itemSync();
      }
      losses.push(total_loss);
    }
    expect(losses[19]!).toBeLessThan(losses[0]! * 0.7);
    // the trained model ranks the true centre word first for most contexts
    const right = noGrad(
      () =>
        data.filter(([context, target]) => model(make_context_vector(context, word_to_ix)).argmax(1).itemSync() === word_to_ix[target])
          .length,
    );
    expect(right / data.length).toBeGreaterThan(0.5);
  }, 180_000);
});
