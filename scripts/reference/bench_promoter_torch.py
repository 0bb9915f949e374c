"""PyTorch's side of `dnagrad bench promoter`: the same training step (forward, MSE, backward,
gradient-norm clip 1.0, Adam lr 1e-3 weight decay 1e-4) at batch 64 and the same eval forward at
batch 256, on random one-hot [N, 4, 2000] inputs, with the model class of
tests/fixtures/make_promoter_torch_fixture.py. A tool for measuring dnagrad side by side, never a
dependency of it.

Run with the threads dnagrad's bench uses, e.g. (Debian's python3-torch):
  /usr/bin/python3 scripts/reference/bench_promoter_torch.py --threads 2 --repeats 7
Prints the median and minimum of each, in ms, and the machine's CPU model.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fixtures"))
try:  # the fixture module writes checkpoints with safetensors; timing does not need it
    import safetensors.torch  # noqa: F401
except ImportError:
    import types
    sys.modules["safetensors"] = types.ModuleType("safetensors")
    sys.modules["safetensors.torch"] = types.SimpleNamespace(save_file=None)
from make_promoter_torch_fixture import PromoterExpressionModel  # noqa: E402


def one_hot(n, length, generator):
    x = torch.zeros(n, 4, length)
    bases = torch.randint(0, 4, (n, length), generator=generator)
    x.scatter_(1, bases.unsqueeze(1), 1.0)
    return x


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1e3)
    return statistics.median(runs), min(runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(17)
    torch.manual_seed(17)
    model = PromoterExpressionModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.MSELoss()
    x_train, y_train = one_hot(64, 2000, generator), torch.randn(64, generator=generator)
    x_infer = one_hot(256, 2000, generator)

    def train_step():
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(model(x_train), y_train)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    def infer():
        model.eval()
        with torch.no_grad():
            model(x_infer)

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "unknown CPU")
    print(f"machine: {cpu}, PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, fn in (("torch_promoter_train_step_b64", train_step),
                     ("torch_promoter_infer_b256", infer)):
        median, fastest = timed(fn, args.warmup, args.repeats)
        print(f"{name:34s} {median:10.1f} {fastest:10.1f}")


if __name__ == "__main__":
    main()
