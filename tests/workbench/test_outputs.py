"""Declared outputs: every registered experiment writes exactly what its class declares."""

import uuid

import pytest

from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs
from workbench.registry import experiments
from workbench.store import Store

NET = dict(n_neurons=20, in_degree=4)
SPIKING = dict(n_neurons=40, connectivity=0.2, step=5.0, codegen="numpy", k_max=3, n_steps=60,
               washout=10, adapt_duration=50.0)
ALRNN = dict(M=6, epochs=2, batches_per_epoch=2, batch_size=4, seq_len=20, eval_every=1,
             eval_steps=0, n_train=600, n_test=300, population=1, eval_starts=1)

#: Tiny parameters of every registered experiment (a new experiment adds its line here).
TINY = {
    "systems.lorenz63": dict(n_steps=200, transient=10),
    "systems.rossler": dict(n_steps=200, transient=10),
    "reservoirs.memory_capacity": dict(NET, n_steps=200, k_max=10, washout=20, adapt_steps=50,
                                       adaptation="heterogeneous"),
    "reservoirs.simulate": dict(NET, n_steps=50, chunk_size=20),
    "reservoirs.balance_sweep": dict(NET, mc_steps=200, narma_steps=200, k_max=10, washout=20,
                                     n_balances=3, n_seeds=2),
    "reservoirs.adaptation": dict(NET, mc_steps=200, narma_steps=200, k_max=10, washout=20,
                                  adapt_steps=40, target_rates=[0.3, 0.5], input_scalings=[0.5],
                                  balances=[1.0], n_seeds=1),
    "reservoirs.lorenz_forecast": dict(n_neurons=40, in_degree=8, data_steps=2000, n_train=800,
                                       n_test=100, n_generate=300, washout=100),
    "reservoirs.balance_map": dict(n_neurons=20, in_degree=4, balances=[0.5, 1.0, 1.5], couplings=[8.0], input_scalings=[0.5], balance_modes=["mean_shift"], ei_splits=["fixed"], target_rates=[0.4], n_seeds=2, k_max=5, washout=20, task_steps=200, adapt_steps=40),
    "reservoirs.spiking_memory_capacity": dict(SPIKING, plasticity="homogeneous"),
    "reservoirs.spiking_balance": dict(SPIKING, g_values=[0.0, 4.0], conditions=["none"]),
    "dendrites.false_match_vs_n": dict(n_min=300, n_max=900, n_step=300, n_samples=2000, actives=[64]),
    "dendrites.false_match_vs_s": dict(s_values=[2, 4], actives=[32], ns=[200], n_samples=2000),
    "dendrites.noise": dict(n=400, a=40, s=10, thetas=[5], noise_fractions=[0.2, 0.6], n_samples=2000),
    "dendrites.union": dict(a=40, s=10, theta=5, ns=[200], max_patterns=3, synapse_counts=[10],
                            synapse_n=200, n_samples=2000),
    "dendrites.optimal_threshold": dict(theta_min=3, theta_max=5, n_sim=400, s_sim=10, n_samples=2000),
    "dendrites.detector_capacity": dict(n=200, a=10, thetas=[4], s_values=[8], max_per_segment=2,
                                        n_detectors=2, n_test=50),
    "alrnn.lorenz63": dict(ALRNN, symbolic_steps=300, max_period=1),
    "alrnn.rossler": dict(ALRNN, symbolic_steps=300, max_period=1),
    "alrnn.p_sweep": dict(ALRNN, P_values=[0, 1]),
    "alrnn.regions_over_seeds": dict(data=__file__.rsplit("workbench", 1)[0] + "alrnn/tiny_series.csv", preset="fmri", M=6, P=1, epochs=2, n_seeds=2, symbolic_steps=300, eval_steps=0),
}


@pytest.mark.parametrize("kind", sorted(experiments()))
def test_every_experiment_declares_its_outputs(kind):
    outputs = experiments()[kind].outputs
    assert isinstance(outputs, Outputs) and outputs.arrays and outputs.figures
    for item in outputs.metrics + outputs.arrays + outputs.coords:
        assert item.meaning, f"{kind}: {item.name} has no meaning"


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(k for k in experiments() if k != "alrnn.fit"))
def test_a_run_writes_exactly_what_is_declared(kind):
    assert kind in TINY, f"add tiny parameters of {kind} to TINY"
    cls = experiments()[kind]
    store = Store(f"memory://outputs-{uuid.uuid4().hex}")
    run = store.open(cls(**TINY[kind]).run(store))
    dims = {name: run.dims(name) for name in run.arrays}
    assert cls.outputs.problems(run.metrics, run.arrays, run.figures, dims) == []
    assert sorted(set(run.logs()) - {"step"}) == sorted(cls.outputs.logs)
    ds = run.to_xarray()
    for coord in cls.outputs.coords:
        if coord.name in run.arrays:
            assert coord.name in ds.indexes, f"{coord.name} is not an index of {kind}"


@pytest.mark.slow
def test_fit_writes_what_reconstructions_declare(tmp_path):
    import numpy as np

    from workbench.systems import lorenz63

    path = tmp_path / "series.npy"
    np.save(path, lorenz63(n_steps=1200, dt=0.01, seed=0))
    cls = experiments()["alrnn.fit"]
    store = Store(f"memory://outputs-{uuid.uuid4().hex}")
    run = store.open(cls(data=str(path), **{**TINY["alrnn.lorenz63"], "n_train": 100_000,
                                            "n_test": 100_000}).run(store))
    dims = {name: run.dims(name) for name in run.arrays}
    assert cls.outputs.problems(run.metrics, run.arrays, run.figures, dims) == []


def test_problems_finds_missing_extra_and_misshaped_outputs():
    out = Outputs(metrics=(Metric("total", "Sum."), Metric("p_{x}", "Family."),
                           Metric("extra", "Maybe.", optional=True)),
                  arrays=(Array("ramp", ("i",), "Values."),), coords=(Coordinate("i", "Index."),),
                  figures=(Figure("plot", "A plot"),))
    assert out.problems(["total", "p_a", "p_b"], ["ramp", "i"], ["plot"],
                        {"ramp": ("i",), "i": ("i",)}) == []
    found = out.problems(["bogus"], ["ramp"], [], {"ramp": ("j",)})
    assert "metric 'bogus' is written but not declared" in found
    assert "metric 'total' is declared but not written" in found
    assert "metric 'p_{x}' is declared but not written" in found
    assert "array 'i' is declared but not written" in found
    assert "array 'ramp' has dims ('j',), declared ('i',)" in found
    assert "figure 'plot' is declared but not written" in found
    assert out.meaning("metrics", "p_q") == "Family."
