"""PyTorch reference for the demo's Fashion-MNIST parity check.

Trains the same LeNet-5 as @dl/vision's `models.lenet5()` (conv 1→6 k5 pad 2, ReLU, max-pool 2,
conv 6→16 k5, ReLU, max-pool 2, 400→120→84→10 with ReLU) with the issue's recipe: pixels/255,
batch 64, SGD lr 0.01 momentum 0.9, PyTorch's default init, on Debian's dataset-fashion-mnist
files. Prints test accuracy after each epoch.

    /usr/bin/python3 tools/reference/fashion_lenet.py [--epochs 5] [--seed 0] [--root DIR]
"""
import argparse, gzip, os, struct, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(path):
    op = gzip.open if path.endswith('.gz') else open
    with op(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def find(root, stem):
    for name in os.listdir(root):
        if name.startswith(stem):
            return os.path.join(root, name)
    raise FileNotFoundError(f'{stem}* in {root}')


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--root', default='/usr/share/datasets/fashion-mnist')
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    xtr = idx(find(a.root, 'train-images')).float().div(255).unsqueeze(1)
    ytr = idx(find(a.root, 'train-labels')).long()
    xte = idx(find(a.root, 't10k-images')).float().div(255).unsqueeze(1)
    yte = idx(find(a.root, 't10k-labels')).long()
    net = LeNet5()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        perm = torch.randperm(len(xtr))
        net.train()
        for i in range(0, len(xtr), 64):
            b = perm[i:i + 64]
            loss = F.cross_entropy(net(xtr[b]), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f'epoch {epoch}: test acc {acc * 100:.2f}% ({time.time() - t0:.1f} s)', flush=True)


if __name__ == '__main__':
    main()
