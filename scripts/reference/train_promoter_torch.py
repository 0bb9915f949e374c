"""Seed 002's promoter model and recipe in real PyTorch, as a side-by-side reference for
`dnagrad train --model promoter` on the same simulated promoters (docs/pipeline.md).

PyTorch is a tool for checking dnagrad here, never a dependency of it. The model class is the
one of tests/fixtures/make_promoter_torch_fixture.py (the document's, verbatim). The recipe is
seed 002's: Adam lr 1e-3, weight decay 1e-4, ReduceLROnPlateau(patience 5, factor 0.5) on the
validation MSE, gradient-norm clip 1.0, batch 64 (evaluation 256), MSE; no reverse-complement
augmentation (a TSS-anchored window is not strand-symmetric). The 80/10/10 split is NumPy's
permutation with the given seed, so it is not dnagrad's split: compare curves, not sequences.

Run (two threads, like the CPU benchmarks):
  python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy
  dnagrad simulate promoters --motifs ../shared/data/jaspar/selected_TFs.meme --n 20000 --out sim20k
  /tmp/torchvenv/bin/python scripts/reference/train_promoter_torch.py sim20k 15 1e-3
Prints one line per epoch: training loss, validation loss and Pearson r, test loss and r, lr.
"""
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fixtures"))
from make_promoter_torch_fixture import PromoterExpressionModel  # noqa: E402


def load(directory):
    """One-hot [N, 4, L] float32 (A, C, G, T rows; anything else all zero) and labels [N]."""
    names, seqs = [], []
    for line in open(Path(directory) / "promoters.fa"):
        if line.startswith(">"):
            names.append(line[1:].split()[0])
            seqs.append("")
        else:
            seqs[-1] += line.strip()
    labels = {}
    for i, line in enumerate(open(Path(directory) / "expression.tsv")):
        if i:
            name, value = line.rstrip("\n").split("\t")
            labels[name] = float(value)
    lookup = np.full(256, 4, np.int64)
    for k, base in enumerate("ACGT"):
        lookup[ord(base)] = k
        lookup[ord(base.lower())] = k
    index = lookup[np.frombuffer("".join(seqs).encode(), np.uint8)].reshape(len(seqs), -1)
    x = np.zeros((len(seqs), 5, index.shape[1]), np.float32)
    np.put_along_axis(x, index[:, None, :], 1, axis=1)
    y = np.array([labels[n] for n in names], np.float32)
    return torch.from_numpy(x[:, :4].copy()), torch.from_numpy(y)


def main():
    directory, epochs, lr = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(2)
    torch.manual_seed(17)
    rng = np.random.default_rng(17)
    x, y = load(directory)
    order = rng.permutation(len(y))
    n_train, n_val = int(0.8 * len(y)), int(0.1 * len(y))
    train, val, test = order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]

    model = PromoterExpressionModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=5, factor=0.5)

    def evaluate(rows):
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(x[rows[s:s + 256]]).reshape(-1) for s in range(0, len(rows), 256)])
        truth = y[rows]
        return ((pred - truth) ** 2).mean().item(), np.corrcoef(pred.numpy(), truth.numpy())[0, 1]

    for epoch in range(1, epochs + 1):
        start = time.time()
        model.train()
        shuffled = rng.permutation(train)
        total = 0.0
        for s in range(0, len(shuffled), 64):
            batch = shuffled[s:s + 64]
            optimizer.zero_grad()
            loss = ((model(x[batch]).reshape(-1) - y[batch]) ** 2).mean()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * len(batch)
        val_loss, val_r = evaluate(val)
        plateau.step(val_loss)
        test_loss, test_r = evaluate(test)
        print(f"epoch {epoch} train_loss {total / len(train):.4f} val_loss {val_loss:.4f} "
              f"val_r {val_r:.3f} test_loss {test_loss:.4f} test_r {test_r:.3f} "
              f"lr {optimizer.param_groups[0]['lr']:.1e} {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
