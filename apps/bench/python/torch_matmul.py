"""Times torch.mm on square float32 matrices; prints one JSON object on stdout.

usage: torch_matmul.py THREADS SIZE [SIZE ...]
"""
import json
import sys
import time

import torch


def bench(n: int, budget: float = 1.0) -> float:
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)  # warm-up
    times = []
    t_end = time.perf_counter() + budget
    while len(times) < 3 or (time.perf_counter() < t_end and len(times) < 50):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main() -> None:
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    out = {"version": torch.__version__, "threads": threads, "seconds": {}}
    for s in sys.argv[2:]:
        out["seconds"][s] = bench(int(s))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
