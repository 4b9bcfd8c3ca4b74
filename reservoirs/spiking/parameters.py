"""Constructor parameters of a :class:`SpikingEIReservoir`: validation, units and provenance."""

from __future__ import annotations

from workbench.validation import check_choice, check_int, check_probability, check_range

from .codegen import TARGETS
from .equations import SYNAPSE_MODELS, synaptic_unit
from .features import FEATURE_KINDS
from .plasticity import InhibitorySTDP
from .units import to_float

__all__ = ["INPUT_MODES"]

#: Ways the input reaches the neurons.
INPUT_MODES = ("current", "poisson")

#: Benchmark defaults per synapse model (Brette et al. 2007, Vogels & Abbott 2005).
_DEFAULTS = {
    "cuba": {"w_exc": 1.62, "g": 9.0 / 1.62, "v_rest": -49.0},   # mV; g = 9 mV / 1.62 mV
    "coba": {"w_exc": 6.0, "g": 67.0 / 6.0, "v_rest": -60.0},    # nS; g = 67 nS / 6 nS
}


class _Parameters:
    """Reads and reports the constructor parameters (part of :class:`SpikingEIReservoir`)."""

    tau_m: float                 # set by name in _read_parameters
    tau_e: float
    tau_i: float
    _target: str

    def _read_parameters(self, given):
        self.n_neurons = check_int(given["n_neurons"], "n_neurons", 5, 10 ** 6)
        check_range(given["exc_fraction"], "exc_fraction", 0, 1, low_inclusive=False,
                    high_inclusive=False)
        self.n_exc = int(round(given["exc_fraction"] * self.n_neurons))
        self.n_inh = self.n_neurons - self.n_exc
        if not (1 <= self.n_exc < self.n_neurons):
            raise ValueError(f"exc_fraction must leave at least one E and one I neuron among "
                             f"{self.n_neurons}, got {given['exc_fraction']}")
        self.connectivity = float(check_probability(given["connectivity"], "connectivity"))
        self.synapse = check_choice(given["synapse"], "synapse", SYNAPSE_MODELS)
        defaults = _DEFAULTS[self.synapse]
        wunit = synaptic_unit(self.synapse)
        self.w_exc = to_float(defaults["w_exc"] if given["w_exc"] is None else given["w_exc"],
                              "w_exc", wunit, 0, 1000, low_inclusive=False)
        self.g = to_float(defaults["g"] if given["g"] is None else given["g"], "g", "1", 0, 1000)
        for name in ("tau_m", "tau_e", "tau_i"):
            setattr(self, name, to_float(given[name], name, "ms", 0, 1e4, low_inclusive=False))
        self.v_rest = to_float(defaults["v_rest"] if given["v_rest"] is None else given["v_rest"],
                               "v_rest", "mV", -200, 100)
        self.v_threshold = to_float(given["v_threshold"], "v_threshold", "mV", -200, 100)
        self.v_reset = to_float(given["v_reset"], "v_reset", "mV", -200, self.v_threshold,
                                high_inclusive=False)
        self.refractory = to_float(given["refractory"], "refractory", "ms", 0, 1000)
        self.e_exc = to_float(given["e_exc"], "e_exc", "mV", self.v_threshold, 200,
                              low_inclusive=False)
        self.e_inh = to_float(given["e_inh"], "e_inh", "mV", -300, self.v_reset)
        self.g_leak = to_float(given["g_leak"], "g_leak", "nS", 0, 1e6, low_inclusive=False)
        self.background_rate = to_float(given["background_rate"], "background_rate", "Hz", 0, 1e6)
        bgw = given["background_weight"]
        self.background_weight = to_float(self.w_exc if bgw is None else bgw, "background_weight",
                                          wunit, 0, 1000)
        self.n_inputs_ = check_int(given["n_inputs"], "n_inputs", 1, 1000)
        self.input_mode = check_choice(given["input_mode"], "input_mode", INPUT_MODES)
        self.input_fraction = float(check_range(given["input_fraction"], "input_fraction", 0, 1,
                                                low_inclusive=False))
        scale_unit = "mV" if self.input_mode == "current" else "1"
        scale = given["input_scale"]
        if scale is None:
            scale = 10.0 if self.input_mode == "current" else 1.0
        self.input_scale = to_float(scale, "input_scale", scale_unit, 0, 1e4)
        self.input_rate = to_float(given["input_rate"], "input_rate", "Hz", 0, 1e5,
                                   low_inclusive=False)
        inw = given["input_weight"]
        self.input_weight = to_float(self.w_exc if inw is None else inw, "input_weight", wunit,
                                     0, 1000)
        self.dt = to_float(given["dt"], "dt", "ms", 0, 10, low_inclusive=False)
        self.step = to_float(given["step"], "step", "ms", self.dt, 1e5)
        self.step_ticks = self._ticks(self.step, "step")
        self.features = check_choice(given["features"], "features", FEATURE_KINDS)
        self.tau_filter = to_float(given["tau_filter"], "tau_filter", "ms", 0, 1e5,
                                   low_inclusive=False)
        tmax = given["tau_filter_max"]
        self.tau_filter_max = None if tmax is None else to_float(
            tmax, "tau_filter_max", "ms", self.tau_filter, 1e5)
        plasticity = given["plasticity"]
        if plasticity is not None and not isinstance(plasticity, InhibitorySTDP):
            raise ValueError(f"plasticity must be None or an InhibitorySTDP, got {plasticity!r}")
        self.plasticity = plasticity
        self._target_rates = None if plasticity is None else plasticity.rates_for(self.n_exc)
        self.codegen = check_choice(given["codegen"], "codegen", TARGETS)
        self.min_rate = to_float(given["min_rate"], "min_rate", "Hz", 0, None)
        self.max_rate = to_float(given["max_rate"], "max_rate", "Hz", self.min_rate, None,
                                 low_inclusive=False)
        self.on_bad_activity = check_choice(given["on_bad_activity"], "on_bad_activity",
                                            ("raise", "flag"))
        self.weight_samples = check_int(given["weight_samples"], "weight_samples", 0, 10 ** 6)
        self.weight_dt = to_float(given["weight_dt"], "weight_dt", "ms", self.dt, 1e5)
        self._ticks(self.weight_dt, "weight_dt")

    def _ticks(self, duration_ms, name):
        ticks = int(round(duration_ms / self.dt))
        if abs(ticks * self.dt - duration_ms) > 1e-9 * max(1.0, duration_ms):
            raise ValueError(f"{name} must be a multiple of dt={self.dt} ms, got {duration_ms} ms")
        return ticks
    @property
    def n_inputs(self) -> int:
        """Input dimension ``d`` of ``u`` (T, d)."""
        return self.n_inputs_

    def params(self) -> dict:
        """Constructor parameters in their documented units (JSON-friendly provenance)."""
        names = ("n_neurons", "connectivity", "synapse", "w_exc", "g", "tau_m", "tau_e", "tau_i",
                 "v_rest", "v_threshold", "v_reset", "refractory", "e_exc", "e_inh", "g_leak",
                 "background_rate", "background_weight", "input_mode", "input_fraction",
                 "input_scale", "input_rate", "input_weight", "step", "dt", "features",
                 "tau_filter", "tau_filter_max", "codegen", "min_rate", "max_rate",
                 "on_bad_activity")
        out = {n: getattr(self, n) for n in names}
        out.update(n_exc=self.n_exc, n_inputs=self.n_inputs, target=self._target,
                   plastic=self.plasticity is not None)
        if self.plasticity is not None:
            out.update(istdp_eta=self.plasticity.eta, istdp_tau=self.plasticity.tau,
                       istdp_w_max=self.plasticity.w_max,
                       target_rate_mean=float(self._target_rates.mean()))
        return out
