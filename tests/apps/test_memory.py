"""Memory-capacity page state with the real rate-reservoir experiments (tiny sizes)."""

import numpy as np
import pytest

from apps.memory import KINDS, SWEEP_KINDS, MemoryPage, MemoryState

TINY = dict(n_neurons=20, in_degree=4, k_max=8, n_steps=300, washout=40)


@pytest.fixture
def mc_kind(registry):
    if KINDS["rate"] not in registry:
        pytest.skip("reservoirs experiments are not installed")
    return KINDS["rate"]


def test_run_reads_back_mc_curve_and_overlays(store, registry, mc_kind):
    state = MemoryState(store=store, registry=registry)
    assert state.runner.experiment.kind == mc_kind
    for balance in (0.8, 1.2):
        state.runner.configure(**TINY, balance=balance)
        state.runner.start()
        assert state.runner.job.wait(60)
        assert state.runner.job.status == "complete", state.runner.job.error
    state.refresh_history()
    assert len(state.param.compare.objects) == 2
    latest = state.latest()
    curves = state.mc_curves(latest)
    (label, (k, mc)), = curves.items()
    # the page shows the stored curve of the latest run, labelled with its stored total
    np.testing.assert_array_equal(k, latest["delays"])
    np.testing.assert_array_equal(mc, latest["mc_per_delay"])
    assert k.tolist() == list(range(1, TINY["k_max"] + 1))
    assert f"MC={latest.metrics['mc']:.2f}" in label
    assert latest.params["balance"] == 1.2
    state.compare = list(state.param.compare.objects)
    assert len(state.mc_curves(latest)) == 2
    label, x, y = state.balance_curve()  # no sweep yet: total MC of single runs against balance
    assert label == "single runs" and x.tolist() == [0.8, 1.2] and len(y) == 2


def test_bad_parameter_is_rejected_before_running(store, registry, mc_kind):
    state = MemoryState(store=store, registry=registry)
    with pytest.raises(ValueError, match="n_neurons"):
        state.runner.configure(n_neurons=3)
    state.runner.configure(**{**TINY, "n_steps": 100, "k_max": 90})
    with pytest.raises(ValueError, match="n_steps must be"):
        state.runner.start()
    assert state.runner.job.status == "idle" and store.runs() == []


def test_sweep_curve_and_spiking_message(store, registry, mc_kind):
    page = MemoryPage(store, registry)
    state = page.state
    if state.sweep.experiment is None:
        pytest.skip("balance sweep not installed")
    state.sweep.configure(n_neurons=20, in_degree=4, n_balances=3, n_seeds=1, k_max=6, mc_steps=300,
                          narma_steps=300, washout=40)
    state.sweep.start()
    assert state.sweep.job.wait(60) and state.sweep.job.status == "complete"
    label, x, y = state.balance_curve()
    assert label.startswith("sweep") and len(x) == 3 and x[0] == pytest.approx(0.5)
    assert len(page._balance_plot.objects) == 1
    state.network = "spiking"
    if KINDS["spiking"] not in registry:
        assert state.runner.experiment is None and "not available" in state.runner.unavailable
        assert page.controls.run_button.disabled
    else:   # the suite installs every package: switching must load the spiking experiments
        assert state.runner.experiment.kind == KINDS["spiking"] and state.runner.unavailable == ""
        assert state.sweep.experiment.kind == SWEEP_KINDS["spiking"]
        assert state.balance_name() == "g"
        assert not page.controls.run_button.disabled
        assert state.param.compare.objects == []          # the rate runs are not offered


def test_switching_model_does_not_show_the_other_models_sweep(store, registry, mc_kind):
    state = MemoryState(store=store, registry=registry)
    if state.sweep.experiment is None or KINDS["spiking"] not in registry:
        pytest.skip("balance sweeps not installed")
    state.sweep.configure(n_neurons=20, in_degree=4, n_balances=3, n_seeds=1, k_max=6, mc_steps=300,
                          narma_steps=300, washout=40)
    state.sweep.start()
    assert state.sweep.job.wait(60) and state.sweep.job.status == "complete"
    state.network = "spiking"
    label, x, y = state.balance_curve()                    # no spiking sweep stored yet
    assert len(x) == 0 and len(y) == 0


def test_the_page_reads_outputs_the_experiments_declare(registry):
    from apps.memory import (
        BALANCE,
        KINDS,
        MC_CURVE,
        MC_DELAYS,
        MC_TOTAL,
        SWEEP_KINDS,
        SWEEP_X,
        SWEEP_Y,
    )

    for model, kind in KINDS.items():
        if kind not in registry:
            continue
        outputs = registry[kind].outputs
        assert outputs.find("arrays", MC_CURVE[0]) and outputs.find("arrays", MC_DELAYS[0])
        assert outputs.find("metrics", MC_TOTAL[0])
        assert BALANCE[model] in registry[kind].parameter_names()
    for kind in SWEEP_KINDS.values():
        if kind in registry:
            outputs = registry[kind].outputs
            assert any(outputs.find("arrays", x) for x in SWEEP_X) and outputs.find("arrays", SWEEP_Y[0])


def test_figure_titles_come_from_the_declaration(registry):
    from apps.components import output_title

    if "reservoirs.memory_capacity" not in registry:
        pytest.skip("reservoirs experiments are not installed")
    assert output_title(registry, "reservoirs.memory_capacity", "figures", "mc_curve") == \
        "Memory curve r_k^2 against delay k"
    assert output_title(registry, "unknown.kind", "figures", "ei_ratio") == "ei ratio"


def test_spiking_run_shows_raster_and_population_rate(store, registry):
    import numpy as np
    import panel as pn

    if KINDS["spiking"] not in registry:
        pytest.skip("spiking experiments are not installed")
    rng = np.random.default_rng(0)
    with store.new_run(KINDS["spiking"], {"g": 4.0}) as run:
        run.write("spike_times", np.sort(rng.uniform(0, 2, 400)), dims=("spike",))
        run.write("spike_neurons", rng.integers(0, 40, 400), dims=("spike",))
        run.write("population_rate", rng.random(200), dims=("time",))
        run.write("delays", np.arange(1, 6), dims=("lag",))
        run.write("mc_per_delay", np.linspace(1, 0, 5), dims=("lag",))
        run.metrics["mc"] = 2.5
    page = MemoryPage(store, registry)
    page.state.network = "spiking"
    bokeh = [o for o in page._figures.objects if isinstance(o, pn.pane.Bokeh)]
    assert [f.object.title.text.split(" (")[0] for f in bokeh] == ["Spike raster", "Population rate"]
    assert "2.500" in page._summary.object


def test_form_lists_parameters_in_the_order_groups_are_composed(registry):
    from apps.components import experiment_form

    if KINDS["rate"] not in registry:
        pytest.skip("reservoirs experiments are not installed")
    form = experiment_form(registry[KINDS["rate"]]())
    names = [w.name for w in form.layout[1:]]
    assert names[0] == "Seed" and names.index("N neurons") < names.index("K max")  # network before task


def test_adaptation_rate_error_is_streamed_while_it_adapts(store, registry, mc_kind):
    """The homeostatic adaptation reports its mean |rate - target| per block; the page draws it."""
    page = MemoryPage(store, registry)
    state = page.state
    state.runner.configure(**TINY, adaptation="homogeneous", adapt_steps=1000, learning_rate=0.01,
                           target_rate=0.3)
    state.runner.start()
    assert state.runner.job.wait(60) and state.runner.job.status == "complete", state.runner.job.error
    (label, (steps, errors)), = state.adaptation_curve().items()
    assert len(steps) >= 50 and steps[-1] == 1000 and np.all(np.diff(steps) > 0)
    errors = np.asarray(errors)
    assert np.all(errors >= 0) and errors[-5:].mean() < errors[:5].mean()  # the rates approach the target
    fig = page._adaptation.objects[0].object
    assert list(fig.renderers[0].data_source.data["x"])[-1] == 1000
    state.runner.configure(adaptation="none")  # no adaptation: nothing to draw
    state.runner.start()
    assert state.runner.job.wait(60)
    assert state.adaptation_curve() == {} and page._adaptation.objects == []
