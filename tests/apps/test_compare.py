"""Comparing runs: labels from the parameters that differ, overlays, the side-by-side table."""

import numpy as np


def test_overlay_labels_are_the_parameters_that_differ(store, registry):
    from apps.compare import overlay_curves, run_labels

    runs = []
    for beta in (0.5, 1.5):
        with store.new_run("demo.curve", {"beta": beta, "n": 10}) as run:
            run.write("mc_curve", np.linspace(0, beta, 8), dims=("lag",))
        runs.append(store.open(run.id))
    assert sorted(run_labels(runs).values()) == ["beta=0.5", "beta=1.5"]
    curves = overlay_curves(runs)["mc_curve"]
    assert sorted(curves) == ["beta=0.5", "beta=1.5"] and curves["beta=1.5"][1][-1] == 1.5


def test_comparison_frame_lists_differences_first(store):
    from apps.compare import comparison_frame

    runs = []
    for beta in (0.5, 1.5):
        with store.new_run("demo.curve", {"beta": beta, "n": 10}, seed=1) as run:
            run.metrics["score"] = 2 * beta
        runs.append(store.open(run.id))
    frame = comparison_frame(runs)
    assert frame["name"].tolist()[:2] == ["beta", "score"] and frame["differs"].tolist()[:2] == [True, True]
    assert not frame.loc[frame["name"] == "n", "differs"].item()
