"""PyTorch 1.13 reference for apps/demo/src/tutorials/bilstm-crf.test.ts.

pytorch.org's "Advanced: Making Dynamic Decisions and the Bi-LSTM CRF" (Deep Learning for NLP
with PyTorch). The tutorial's init_hidden draws torch.randn on every call, and dl's random
generator is not torch's, so the fixture carries torch.manual_seed(1)'s initial weights and one
(h0, c0) draw that replaces init_hidden for the parity checks: the viterbi decode before training,
neg_log_likelihood on both sentences with its gradients, and the loss after 5 SGD steps
(lr 0.01, weight_decay 1e-4). With `--epochs N` it also prints torch's decode after N epochs of
the tutorial's own training (init_hidden drawing) to size the port's shrunk training.

    /usr/bin/python3 tools/reference/bilstm_crf.py
writes apps/demo/src/tutorials/__fixtures__/bilstm-crf.json
"""
import json, os, sys
import torch
import torch.nn as nn
import torch.optim as optim

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'apps', 'demo', 'src', 'tutorials', '__fixtures__', 'bilstm-crf.json')


def argmax(vec):
    # return the argmax as a python int
    _, idx = torch.max(vec, 1)
    return idx.item()


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


# Compute log sum exp in a numerically stable way for the forward algorithm
def log_sum_exp(vec):
    max_score = vec[0, argmax(vec)]
    max_score_broadcast = max_score.view(1, -1).expand(1, vec.size()[1])
    return max_score + \
        torch.log(torch.sum(torch.exp(vec - max_score_broadcast)))


class BiLSTM_CRF(nn.Module):

    def __init__(self, vocab_size, tag_to_ix, embedding_dim, hidden_dim):
        super(BiLSTM_CRF, self).__init__()
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.vocab_size = vocab_size
        self.tag_to_ix = tag_to_ix
        self.tagset_size = len(tag_to_ix)

        self.word_embeds = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2,
                            num_layers=1, bidirectional=True)

        # Maps the output of the LSTM into tag space.
        self.hidden2tag = nn.Linear(hidden_dim, self.tagset_size)

        # Matrix of transition parameters.  Entry i,j is the score of
        # transitioning *to* i *from* j.
        self.transitions = nn.Parameter(
            torch.randn(self.tagset_size, self.tagset_size))

        # These two statements enforce the constraint that we never transfer
        # to the start tag and we never transfer from the stop tag
        self.transitions.data[tag_to_ix[START_TAG], :] = -10000
        self.transitions.data[:, tag_to_ix[STOP_TAG]] = -10000

        self.hidden = self.init_hidden()
        self.fixed_hidden = None

    def init_hidden(self):
        if getattr(self, 'fixed_hidden', None) is not None:
            return self.fixed_hidden
        return (torch.randn(2, 1, self.hidden_dim // 2),
                torch.randn(2, 1, self.hidden_dim // 2))

    def _forward_alg(self, feats):
        # Do the forward algorithm to compute the partition function
        init_alphas = torch.full((1, self.tagset_size), -10000.)
        # START_TAG has all of the score.
        init_alphas[0][self.tag_to_ix[START_TAG]] = 0.

        # Wrap in a variable so that we will get automatic backprop
        forward_var = init_alphas

        # Iterate through the sentence
        for feat in feats:
            alphas_t = []  # The forward tensors at this timestep
            for next_tag in range(self.tagset_size):
                # broadcast the emission score: it is the same regardless of
                # the previous tag
                emit_score = feat[next_tag].view(
                    1, -1).expand(1, self.tagset_size)
                # the ith entry of trans_score is the score of transitioning to
                # next_tag from i
                trans_score = self.transitions[next_tag].view(1, -1)
                # The ith entry of next_tag_var is the value for the
                # edge (i -> next_tag) before we do log-sum-exp
                next_tag_var = forward_var + trans_score + emit_score
                # The forward variable for this tag is log-sum-exp of all the
                # scores.
                alphas_t.append(log_sum_exp(next_tag_var).view(1))
            forward_var = torch.cat(alphas_t).view(1, -1)
        terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
        alpha = log_sum_exp(terminal_var)
        return alpha

    def _get_lstm_features(self, sentence):
        self.hidden = self.init_hidden()
        embeds = self.word_embeds(sentence).view(len(sentence), 1, -1)
        lstm_out, self.hidden = self.lstm(embeds, self.hidden)
        lstm_out = lstm_out.view(len(sentence), self.hidden_dim)
        lstm_feats = self.hidden2tag(lstm_out)
        return lstm_feats

    def _score_sentence(self, feats, tags):
        # Gives the score of a provided tag sequence
        score = torch.zeros(1)
        tags = torch.cat([torch.tensor([self.tag_to_ix[START_TAG]], dtype=torch.long), tags])
        for i, feat in enumerate(feats):
            score = score + \
                self.transitions[tags[i + 1], tags[i]] + feat[tags[i + 1]]
        score = score + self.transitions[self.tag_to_ix[STOP_TAG], tags[-1]]
        return score

    def _viterbi_decode(self, feats):
        backpointers = []

        # Initialize the viterbi variables in log space
        init_vvars = torch.full((1, self.tagset_size), -10000.)
        init_vvars[0][self.tag_to_ix[START_TAG]] = 0

        # forward_var at step i holds the viterbi variables for step i-1
        forward_var = init_vvars
        for feat in feats:
            bptrs_t = []  # holds the backpointers for this step
            viterbivars_t = []  # holds the viterbi variables for this step

            for next_tag in range(self.tagset_size):
                next_tag_var = forward_var + self.transitions[next_tag]
                best_tag_id = argmax(next_tag_var)
                bptrs_t.append(best_tag_id)
                viterbivars_t.append(next_tag_var[0][best_tag_id].view(1))
            forward_var = (torch.cat(viterbivars_t) + feat).view(1, -1)
            backpointers.append(bptrs_t)

        # Transition to STOP_TAG
        terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
        best_tag_id = argmax(terminal_var)
        path_score = terminal_var[0][best_tag_id]

        # Follow the back pointers to decode the best path.
        best_path = [best_tag_id]
        for bptrs_t in reversed(backpointers):
            best_tag_id = bptrs_t[best_tag_id]
            best_path.append(best_tag_id)
        # Pop off the start tag (we dont want to return that to the caller)
        start = best_path.pop()
        assert start == self.tag_to_ix[START_TAG]  # Sanity check
        best_path.reverse()
        return path_score, best_path

    def neg_log_likelihood(self, sentence, tags):
        feats = self._get_lstm_features(sentence)
        forward_score = self._forward_alg(feats)
        gold_score = self._score_sentence(feats, tags)
        return forward_score - gold_score

    def forward(self, sentence):  # dont confuse this with _forward_alg above.
        # Get the emission scores from the BiLSTM
        lstm_feats = self._get_lstm_features(sentence)

        # Find the best path, given the features.
        score, tag_seq = self._viterbi_decode(lstm_feats)
        return score, tag_seq


START_TAG = "<START>"
STOP_TAG = "<STOP>"
EMBEDDING_DIM = 5
HIDDEN_DIM = 4

# Make up some training data
training_data = [(
    "the wall street journal reported today that apple corporation made money".split(),
    "B I I I O O O B I O O".split()
), (
    "georgia tech is a university in georgia".split(),
    "B I O O O O B".split()
)]

word_to_ix = {}
for sentence, tags in training_data:
    for word in sentence:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)

tag_to_ix = {"B": 0, "I": 1, "O": 2, START_TAG: 3, STOP_TAG: 4}


def main():
    torch.manual_seed(1)
    model = BiLSTM_CRF(len(word_to_ix), tag_to_ix, EMBEDDING_DIM, HIDDEN_DIM)
    init = {k: v.tolist() for k, v in model.state_dict().items()}
    h0, c0 = torch.randn(2, 1, HIDDEN_DIM // 2), torch.randn(2, 1, HIDDEN_DIM // 2)
    if '--epochs' in sys.argv:
        epochs = int(sys.argv[sys.argv.index('--epochs') + 1])
        optimizer = optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
        for epoch in range(epochs):
            for sentence, tags in training_data:
                model.zero_grad()
                loss = model.neg_log_likelihood(prepare_sequence(sentence, word_to_ix), torch.tensor([tag_to_ix[t] for t in tags], dtype=torch.long))
                loss.backward()
                optimizer.step()
            if epoch % 25 == 0 or epoch == epochs - 1:
                with torch.no_grad():
                    print(epoch, loss.item(), model(prepare_sequence(training_data[0][0], word_to_ix)), model(prepare_sequence(training_data[1][0], word_to_ix)))
        return
    model.fixed_hidden = (h0, c0)
    with torch.no_grad():
        score0, path0 = model(prepare_sequence(training_data[0][0], word_to_ix))
    nll = []
    for sentence, tags in training_data:
        model.zero_grad()
        loss = model.neg_log_likelihood(prepare_sequence(sentence, word_to_ix), torch.tensor([tag_to_ix[t] for t in tags], dtype=torch.long))
        loss.backward()
        nll.append({'loss': loss.tolist(), 'grads': {k: p.grad.tolist() for k, p in model.named_parameters()}})
    optimizer = optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
    losses = []
    for step in range(5):
        sentence, tags = training_data[step % 2]
        model.zero_grad()
        loss = model.neg_log_likelihood(prepare_sequence(sentence, word_to_ix), torch.tensor([tag_to_ix[t] for t in tags], dtype=torch.long))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    data = {
        'torch': torch.__version__,
        'word_to_ix': word_to_ix,
        'repr': repr(model),
        'state_keys': list(model.state_dict().keys()),
        'state_dict': init,
        'h0': h0.tolist(),
        'c0': c0.tolist(),
        'precheck': [score0.item(), path0],
        'precheck_str': str((score0, path0)),
        'nll': nll,
        'losses': losses,
    }
    with open(OUT, 'w') as f:
        json.dump(data, f)
        f.write('\n')
    print('wrote', os.path.normpath(OUT))
    print(data['repr'], data['precheck_str'], [n['loss'] for n in nll], losses, sep='\n')


if __name__ == '__main__':
    main()
