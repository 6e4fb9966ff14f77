"""The `pnpm bench` workloads on PyTorch (ids as apps/bench/src/workloads.ts).

usage: torch_bench.py THREADS BUDGET_MS ID [ID ...]
Prints one JSON object on stdout: {"version", "threads", "blas", "ms": {id: median ms}}.

dl's `mlp-train-plain` / `mlp-train-tidy` (and lenet's) are two spellings of one PyTorch
program, `mlp-train` here (bench.ts asks for that id once). `op-overhead[-autograd]` is a chain
of OP_CHAIN adds on 4-element tensors: its ms per run is µs per op.
"""
import json
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ids timed by their mean, not their median (Note [mean rows] in src/workloads.ts)
MEAN_IDS = {"mlp-train", "lenet-train", "op-overhead", "op-overhead-autograd"}


def timed(fn, budget, min_runs=3, max_runs=50, mean=False):
    fn()  # warm-up
    times = []
    t_end = time.perf_counter() + budget
    while len(times) < min_runs or (time.perf_counter() < t_end and len(times) < max_runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    if mean:
        return sum(times) / len(times) * 1000
    times.sort()
    return times[len(times) // 2] * 1000


def rnd(*shape, scale=1.0):
    return (torch.rand(*shape) * 2 - 1) * scale


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(h))
        return F.relu(o + (self.down(x) if self.down is not None else x))


def resnet18():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000)]
    return nn.Sequential(*layers).eval()


def train_step_fn(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


OP_CHAIN = 1000  # as OP_CHAIN in src/workloads.ts


def workload(wid):
    wid = re.sub(r"-(plain|tidy)$", "", wid)
    if wid in ("op-overhead", "op-overhead-autograd"):
        x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=wid == "op-overhead-autograd")
        b = torch.tensor([0.5, 0.25, 0.125, 0.0625])

        def chain():
            y = x
            for _ in range(OP_CHAIN):
                y = y.add(b)
            return y.tolist()
        return chain
    m = re.fullmatch(r"matmul-(\d+)", wid)
    if m:
        n = int(m.group(1))
        a, b = rnd(n, n), rnd(n, n)
        return lambda: torch.mm(a, b)
    m = re.fullmatch(r"(addrelu|sum)-(\d+)M", wid)
    if m:
        n = int(m.group(2)) * 2**20
        a, b = rnd(n), rnd(n)
        if m.group(1) == "addrelu":
            return lambda: torch.relu(a + b)
        return lambda: a.sum().item()
    m = re.fullmatch(r"conv-(1x6k5|64x64k3)-(fwd|fwdbwd)", wid)
    if m:
        N, Ci, Co, H, K, pad = (64, 1, 6, 28, 5, 0) if m.group(1) == "1x6k5" else (32, 64, 64, 56, 3, 1)
        OH = H + 2 * pad - K + 1
        x, w, b, g = rnd(N, Ci, H, H), rnd(Co, Ci, K, K, scale=0.1), rnd(Co, scale=0.1), rnd(N, Co, OH, OH)
        if m.group(2) == "fwd":
            def fwd():
                with torch.no_grad():
                    F.conv2d(x, w, b, padding=pad)
            return fwd
        x.requires_grad_(); w.requires_grad_(); b.requires_grad_()

        def fwdbwd():
            x.grad = w.grad = b.grad = None
            F.conv2d(x, w, b, padding=pad).backward(g)
        return fwdbwd
    if wid == "mlp-train":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        return train_step_fn(model, rnd(64, 784), torch.randint(0, 10, (64,)))
    if wid == "lenet-train":
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )
        return train_step_fn(model, rnd(64, 1, 28, 28), torch.randint(0, 10, (64,)))
    if wid == "resnet18-fwd":
        model = resnet18()
        x = rnd(8, 3, 224, 224)

        def fwd():
            with torch.no_grad():
                return model(x).sum().item()
        return fwd
    return None


def main():
    threads = int(sys.argv[1])
    budget = float(sys.argv[2]) / 1000
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch.mm(torch.rand(64, 64), torch.rand(64, 64))
    try:  # Debian's torch links the generic libblas.so.3; the alternatives system picks the library
        with open("/proc/self/maps") as f:
            maps = f.read().lower()
        blas = "OpenBLAS" if "openblas" in maps else ("MKL" if "libmkl" in maps else "generic BLAS")
        if "openblas" in maps and "openmp" in maps:
            blas = "OpenBLAS (openmp)"
    except OSError:
        blas = "?"
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "ms": {}}
    for wid in sys.argv[3:]:
        fn = workload(wid)
        if fn is not None:
            mean = re.sub(r"-(plain|tidy)$", "", wid) in MEAN_IDS
            out["ms"][wid] = timed(fn, budget, max_runs=1000 if mean else 50, mean=mean)
        print(f"  torch      {wid:22s} {out['ms'].get(wid, float('nan')):10.2f} ms", file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
