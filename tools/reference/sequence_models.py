"""PyTorch 1.13 reference for apps/demo/src/tutorials/sequence-models.test.ts.

Runs pytorch.org's "Sequence Models and Long Short-Term Memory Networks" tutorial (the LSTM
basics and the LSTMTagger) and writes what the dl port needs to reproduce torch's numbers: the
initial state dicts (dl's RNG is not torch's, so the weights travel), the inputs, the outputs,
the printed reprs, and the tag scores before and after 300 epochs of SGD.

    /usr/bin/python3 tools/reference/sequence_models.py
writes apps/demo/src/tutorials/__fixtures__/sequence-models.json
"""
import json, os
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'apps', 'demo', 'src', 'tutorials', '__fixtures__', 'sequence-models.json')


def lst(t):
    return t.detach().tolist()


def sd(m):
    return {k: lst(v) for k, v in m.state_dict().items()}


def lstm_basics():
    torch.manual_seed(1)
    lstm = nn.LSTM(3, 3)  # Input dim is 3, output dim is 3
    inputs = [torch.randn(1, 3) for _ in range(5)]  # make a sequence of length 5

    # initialize the hidden state.
    hidden = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))
    hidden0 = hidden
    steps = []
    for i in inputs:
        # Step through the sequence one element at a time.
        # after each step, hidden contains the hidden state.
        out, hidden = lstm(i.view(1, 1, -1), hidden)
        steps.append(lst(out))
    step_hidden = [lst(hidden[0]), lst(hidden[1])]

    # alternatively, we can do the entire sequence all at once.
    inputs_cat = torch.cat(inputs).view(len(inputs), 1, -1)
    hidden = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))  # clean out hidden state
    hidden1 = hidden
    out, hidden = lstm(inputs_cat, hidden)
    # the same hidden as the step-by-step run: all at once equals step by step
    out_same, hidden_same = lstm(inputs_cat, hidden0)
    return {
        'repr': repr(lstm),
        'state_dict': sd(lstm),
        'state_keys': list(lstm.state_dict().keys()),
        'inputs': [lst(i) for i in inputs],
        'hidden0': [lst(hidden0[0]), lst(hidden0[1])],
        'steps': steps,
        'step_hidden': step_hidden,
        'hidden1': [lst(hidden1[0]), lst(hidden1[1])],
        'out': lst(out),
        'hidden': [lst(hidden[0]), lst(hidden[1])],
        'out_same': lst(out_same),
        'hidden_same': [lst(hidden_same[0]), lst(hidden_same[1])],
        'out_str': str(out),
    }


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


training_data = [
    # Tags are: DET - determiner; NN - noun; V - verb
    # For example, the word "The" is a determiner
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])
]
EMBEDDING_DIM = 6
HIDDEN_DIM = 6


class LSTMTagger(nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim

        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)

        # The LSTM takes word embeddings as inputs, and outputs hidden states
        # with dimensionality hidden_dim.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)

        # The linear layer that maps from hidden state space to tag space
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


def tagger():
    torch.manual_seed(1)
    word_to_ix = {}
    # For each words-list (sentence) and tags-list in each tuple of training_data
    for sent, tags in training_data:
        for word in sent:
            if word not in word_to_ix:  # word has not been assigned an index yet
                word_to_ix[word] = len(word_to_ix)  # Assign each word with a unique index
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}  # Assign each tag with a unique index

    model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
    init = sd(model)
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)

    # See what the scores are before training
    with torch.no_grad():
        inputs = prepare_sequence(training_data[0][0], word_to_ix)
        before = model(inputs)

    losses = []
    for epoch in range(300):  # again, normally you would NOT do 300 epochs, it is toy data
        for sentence, tags in training_data:
            model.zero_grad()
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = prepare_sequence(tags, tag_to_ix)
            tag_scores = model(sentence_in)
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    # See what the scores are after training
    with torch.no_grad():
        inputs = prepare_sequence(training_data[0][0], word_to_ix)
        after = model(inputs)
    return {
        'word_to_ix': word_to_ix,
        'repr': repr(model),
        'state_keys': list(model.state_dict().keys()),
        'state_dict': init,
        'before': lst(before),
        'after': lst(after),
        'after_argmax': lst(after.argmax(1)),
        'losses': losses,
    }


def main():
    data = {'torch': torch.__version__, 'lstm': lstm_basics(), 'tagger': tagger()}
    with open(OUT, 'w') as f:
        json.dump(data, f)
        f.write('\n')
    print('wrote', os.path.normpath(OUT))
    print(data['lstm']['out_str'])
    print(data['tagger']['repr'])
    print(data['tagger']['after_argmax'], data['tagger']['losses'][0], data['tagger']['losses'][-1])


if __name__ == '__main__':
    main()
