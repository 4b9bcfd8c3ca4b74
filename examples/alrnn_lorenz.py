"""Reconstruct Lorenz-63 with an AL-RNN from Python and read its symbolic dynamics.

Run: ``OMP_NUM_THREADS=1 python examples/alrnn_lorenz.py [--epochs 500]``

Trains the fast Lorenz-63 recipe (M=20, P=2, tau=16, windows of 200 steps), evaluates the
best checkpoint on a separate test trajectory with the lab protocol, then prints the used
subregions, the transition matrix and the fixed point of every subregion next to the true
equilibria of the Lorenz system (z-scored coordinates).
"""

import argparse

import numpy as np

from alrnn import FAST_CONFIGS, analyze, evaluate, train
from alrnn.data import lorenz63_fixed_points, zscore
from workbench.systems import lorenz63


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    raw_train = lorenz63(100_000, dt=0.01, zscore=False, seed=0)
    raw_test = lorenz63(100_000, dt=0.01, zscore=False, seed=1)
    train_data, mean, std = zscore(raw_train)
    test = zscore(raw_test, mean, std)[0]

    sizes, config = FAST_CONFIGS["lorenz63"]
    if args.epochs:
        config = config.replace(epochs=args.epochs)
    result = train(train_data, sizes["M"], sizes["P"], config, seed=args.seed,
                   progress=lambda f, msg, **kw: print(f"\r{msg}  D_stsp={kw['d_stsp']:.2f}", end=""))
    print(f"\ntrained in {result.seconds:.1f} s, best epoch {result.best_epoch}")
    model = result.model
    print("test (lab protocol):", {k: round(v, 4) for k, v in evaluate(model, test).items()})

    an = analyze(model, x0=test[0], n_steps=100_000, max_period=2)
    print("regions (most visited first):", an.labels, np.round(an.occupancy, 4))
    print("transition matrix:\n", np.round(an.transitions, 3))
    true_fps = (lorenz63_fixed_points() - mean) / std
    print("true equilibria (z-scored):\n", np.round(true_fps, 2))
    for label, fp in zip(an.labels, an.fixed_points):
        print(f"region {label}: z* = {np.round(fp.z[:3], 2)}  rho = {fp.spectral_radius:.3f}  {fp.kind}")


if __name__ == "__main__":
    main()
