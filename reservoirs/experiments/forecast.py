"""Closed-loop Lorenz-63 forecasting with a rate reservoir, beside the AL-RNN."""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import Experiment, defaults, record_warning
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate

from ..params import AdaptationParams, BalanceParams, NetworkParams, WashoutParams

__all__ = ["LorenzForecastExperiment"]


@defaults(washout=500)
class LorenzForecastExperiment(NetworkParams, BalanceParams, AdaptationParams, WashoutParams, Experiment):
    """Lorenz-63 one-step prediction and closed-loop generation (D_stsp, D_H).

    Uses the stored dataset ``run.store.dataset("lorenz63", lorenz63, n_steps=data_steps,
    dt=0.01)``, the ground truth shared with the AL-RNN experiments. Adaptation (E/I model
    only) is driven by the first ``washout + n_train`` steps of the data.
    """

    kind = "reservoirs.lorenz_forecast"
    outputs = Outputs(
        metrics=(Metric("nrmse", "Teacher-forced one-step NRMSE on the test steps."),
                 Metric("d_stsp", "State-space divergence D_stsp of the closed-loop run."),
                 Metric("d_h", "Power-spectrum distance D_H of the closed-loop run."),
                 Metric("alpha", "Ridge regularisation chosen for the readout.")),
        arrays=(Array("true", ("time", "dim"), "Lorenz-63 trajectory after training (x, y, z)."),
                Array("generated", ("time", "dim"), "Closed-loop generated trajectory.")),
        coords=(Coordinate("time", "Time after the training window, i * 0.01.", "time"),),
        figures=(Figure("attractor", "True and generated attractors"),),
    )

    # Which reservoir forecasts (the benchmark runs' ``model`` names a registered benchmark model).
    model = param.Selector(objects=["ei", "esn"], default="ei",
                           doc="E/I reservoir or the tanh echo-state baseline.")
    spectral_radius = param.Number(0.9, bounds=(0.0, None), inclusive_bounds=(False, True),
                                   doc="ESN spectral radius.")
    data_steps = param.Integer(100_000, bounds=(100, None), doc="Length of the stored dataset.")
    # Teacher-forced steps of one stored trajectory (the AL-RNN's ``n_train``/``n_test`` are
    # lengths of separately generated series).
    n_train = param.Integer(5000, bounds=(20, None), doc="Teacher-forced training steps.")
    n_test = param.Integer(1000, bounds=(10, None), doc="Teacher-forced test steps.")
    n_generate = param.Integer(5000, bounds=(10, None), doc="Closed-loop steps.")

    def validate(self):
        super().validate()
        if self.washout + self.n_train + self.n_test + self.n_generate > self.data_steps:
            raise ValueError(f"data_steps must be >= washout + n_train + n_test + n_generate = "
                             f"{self.washout + self.n_train + self.n_test + self.n_generate}, "
                             f"got {self.data_steps}")

    def memory_estimate(self):
        out = super().memory_estimate()
        out["data_steps"] = 8 * 3 * 4 * float(self.data_steps)
        steps = float(self.washout + self.n_train + self.n_test + self.n_generate)
        out["n_train*n_neurons"] = 3 * 8 * steps * self.n_neurons
        return out

    def execute(self, run, progress):
        from workbench.systems import lorenz63

        from ..esn import EchoStateNetwork
        from ..figures import lorenz_figure
        from ..tasks import LorenzTask

        progress(0.0, "dataset")
        data = run.store.dataset("lorenz63", lorenz63, n_steps=self.data_steps, dt=0.01)
        if self.model == "esn":
            res = EchoStateNetwork(self.n_neurons, 3, spectral_radius=self.spectral_radius,
                                   in_degree=self.in_degree, input_scaling=self.input_scaling,
                                   input_fraction=self.input_fraction,
                                   leak_rate=self.leak_rate, seed=self.seed)
        else:
            res = self.build_reservoir(self.seed, n_inputs=3)
            progress(0.1, "adapting")
            drive = data[:self.washout + self.n_train]
            _, traces = self.apply_adaptation([res], self.adaptation, [self.target_rate], drive,
                                              np.random.SeedSequence(self.seed).spawn(1)[0])
            for message in self.unconverged(traces):
                record_warning(run, message)
        progress(0.3, "training and generating")
        result = LorenzTask(data, self.n_train, self.n_test, self.n_generate, self.washout)(res)
        run.write("true", result.true, dims=("time", "dim"))
        run.write("generated", result.generated, dims=("time", "dim"))
        write_coordinate(run, "time", np.arange(result.true.shape[0]) * 0.01, "time")
        run.metrics["nrmse"] = result.nrmse
        run.metrics["d_stsp"] = result.d_stsp
        run.metrics["d_h"] = result.d_h
        run.metrics["alpha"] = result.alpha
        run.save_figure("attractor", lorenz_figure(result.true, result.generated))
