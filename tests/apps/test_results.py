"""Reading curves and metrics back from stored runs."""

import numpy as np

from apps.results import first_metric, metric_curve, run_curve


def test_run_curve_from_arrays_lists_and_averages(store):
    with store.new_run("demo", {"beta": 1.0}) as run:
        run.write("delays", np.arange(1, 4), dims=("lag",))
        run.write("mc_per_delay", np.array([0.9, 0.5, 0.1]), dims=("lag",))
        run.write("mc", np.array([[1.0, 3.0], [3.0, 5.0]]), dims=("seed", "balance"))
        run.write("balances", np.array([0.5, 1.5]), dims=("balance",))
        run.metrics["curve"] = [0.3, 0.2]
        run.metrics["total"] = 1.5
    r = store.open(run.id)
    x, y = run_curve(r, ["mc_per_delay"], ["delays"])
    assert x.tolist() == [1, 2, 3] and y.tolist() == [0.9, 0.5, 0.1]
    x, y = run_curve(r, ["mc"], ["balances"])
    assert x.tolist() == [0.5, 1.5] and y.tolist() == [2.0, 4.0]
    x, y = run_curve(r, ["absent"], metric_names=["curve"])
    assert x.tolist() == [1, 2] and y.tolist() == [0.3, 0.2]
    assert run_curve(r, ["absent"]) is None
    assert first_metric(r.metrics, ["nope", "total"]) == 1.5


def test_metric_curve_across_runs(store):
    for beta, mc in ((1.5, 3.0), (0.5, 1.0), (1.0, 2.0)):
        with store.new_run("demo", {"beta": beta}) as run:
            run.metrics["mc"] = mc
    x, y = metric_curve(store.runs(kind="demo"), "beta", ["mc"])
    assert x.tolist() == [0.5, 1.0, 1.5] and y.tolist() == [1.0, 2.0, 3.0]
