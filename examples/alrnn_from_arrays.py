"""Build an AL-RNN from arrays (a store checkpoint or another implementation) and analyse it.

Run: ``python examples/alrnn_from_arrays.py [RUN_ID]``

With a run id of an ``alrnn.*`` experiment in the default store, loads its best checkpoint
(``A``, ``W``, ``h``, ``L``); without one, builds a small hand-made model with a known 2-cycle.
Prints the free run's subregions, fixed points (real or virtual) and short cycles.
The authors' PyTorch ``state_dict`` maps as ``A, W, h = sd["A"], sd["W"], sd["h"]`` and
``L = sd["B"].T``.
"""

import sys

import numpy as np

from alrnn import ALRNN, analyze


def load(run_id=None):
    if run_id is None:
        # z1' = 0, z2' = -3 relu(z2) + 1: a 2-cycle -2 -> 1 -> -2 across the two regions
        return ALRNN.from_arrays(np.zeros(2), np.array([[0.0, 0.0], [0.0, -3.0]]), np.array([0.0, 1.0]),
                                 np.zeros((2, 1)), P=1), np.zeros(1)
    from workbench.store import Store

    run = Store().open(run_id)
    model = ALRNN.from_arrays(run["A"], run["W"], run["h"], run["L"], P=run.params["P"])
    return model, run["test"][0]


def main():
    model, x0 = load(sys.argv[1] if len(sys.argv) > 1 else None)
    print(model)
    an = analyze(model, x0=x0, n_steps=10_000, max_period=3)
    print("regions:", an.labels, np.round(an.occupancy, 4))
    for fp in an.fixed_points:
        print(f"fixed point of region {fp.region}: {np.round(fp.z[:3], 3)} "
              f"rho={fp.spectral_radius:.3f} {fp.kind}")
    for k, cycles in an.cycles.items():
        for c in cycles:
            print(f"{k}-cycle through regions {c.word}: points {np.round(c.points[:, :3], 3).tolist()}")


if __name__ == "__main__":
    main()
