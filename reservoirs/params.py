"""Parameter groups of the reservoirs, declared once and composed by the experiments.

Each group is a :class:`workbench.experiment.ParamGroup`: a ``param`` declaration (types,
bounds, defaults, docs) with the checks and builder of what it configures. Experiments
compose groups by multiple inheritance, so names stay flat (``--set n_neurons=100``) and the
app's widgets come from the same declarations. Models keep plain keyword constructors
(``EIReservoir(n_neurons=...)``); the groups build them.

Nothing heavy is imported at module level: the registry reads these declarations without
loading brian2, the compiled kernel or matplotlib.

Values marked [A] are this project's assumptions (Srinivasan, Plenz & Girvan 2025 give no
number); [T] values are the paper's.
"""

from __future__ import annotations

import numpy as np
import param

from workbench.experiment import ParamGroup, SeedsCount

__all__ = [
    "ADAPTATIONS",
    "AdaptStepsParams",
    "AdaptationParams",
    "BalanceGridParams",
    "BalanceParams",
    "BatchParams",
    "HomeostasisParams",
    "PopulationParams",
    "IStdpParams",
    "SpikingNetworkParams",
    "SPIKING_CONDITIONS",
    "MemoryTaskParams",
    "NetworkParams",
    "SeedsParams",
    "TaskLengthParams",
    "TaskSuiteParams",
    "WashoutParams",
    "check_task_length",
]

#: Homeostatic inhibition applied before a task.
ADAPTATIONS = ["none", "homogeneous", "heterogeneous", "one_step"]

_F64 = 8  # bytes of a float64


def _pos(default, doc):
    return param.Number(default, bounds=(0.0, None), inclusive_bounds=(False, True), doc=doc)


def check_task_length(name: str, n_steps: int, washout: int, k_max: int) -> None:
    """The memory-capacity rule ``n_steps >= max(washout, k_max) + 20`` (one place).

    The readout needs the washout discarded and the largest delay available, plus at least
    20 samples to fit on.
    """
    need = max(washout, k_max) + 20
    if n_steps < need:
        raise ValueError(f"{name} must be >= max(washout, k_max) + 20 = {need}, got {n_steps}")



#: Mean |rate - target| above which a homeostatic adaptation is reported as not converged.
RATE_TOLERANCE = 0.05

class PopulationParams(ParamGroup):
    """Size of an E/I population and the share of it that receives the input.

    Shared by the rate and the spiking reservoir (both 80 % excitatory).
    """

    n_neurons = param.Integer(300, bounds=(10, None), doc="Number of neurons n (80 % excitatory).")
    input_fraction = param.Number(0.3, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                                  doc="Share of neurons receiving input.")


class NetworkParams(PopulationParams):
    """The E/I rate network: size, connectivity, gain, strength, input weights.

    Defaults: gain 4 and strength 2, the best regime of a pre-study sanity check of memory
    capacity [A]; the [T] values are gain 10, strength 1.
    """

    in_degree = param.Integer(50, bounds=(1, None), doc="Links into each neuron k.")
    gain = _pos(4.0, "Sigmoid gain c.")
    strength = _pos(2.0, "Mean total excitatory in-strength J (mu_E = J/(k f_E)).")
    input_scaling = param.Number(0.5, bounds=(0.0, None), doc="Input scaling sigma_in.")
    leak_rate = param.Number(1.0, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                             doc="Leak a (1 = no leak).")
    topology = param.Selector(objects=["random", "small_world", "scale_free"], default="random",
                              doc="Connectivity generator.")

    def validate(self) -> None:
        super().validate()
        if self.in_degree >= self.n_neurons:
            raise ValueError(f"in_degree must be < n_neurons ({self.n_neurons}), "
                             f"got {self.in_degree}")

    def memory_estimate(self) -> dict[str, float]:
        # Two sparse magnitude matrices (E and I: value, index) and a few state vectors.
        out = super().memory_estimate()
        links = float(self.n_neurons) * float(self.in_degree)
        out["n_neurons*in_degree"] = 2 * 12 * links + 16 * _F64 * self.n_neurons
        return out

    def network_kwargs(self, seed, n_inputs: int = 1, **overrides) -> dict:
        """Keyword arguments of :class:`reservoirs.EIReservoir` (``overrides`` win)."""
        kw = dict(n_neurons=self.n_neurons, n_inputs=n_inputs, in_degree=self.in_degree,
                  gain=self.gain, strength=self.strength, input_fraction=self.input_fraction,
                  input_scaling=self.input_scaling, leak_rate=self.leak_rate,
                  topology=self.topology, seed=seed)
        if "balance" in self.param:
            kw["balance"] = self.balance
        kw.update(overrides)
        return kw

    def build_reservoir(self, seed, n_inputs: int = 1, **overrides):
        """The :class:`reservoirs.EIReservoir` described by the parameters."""
        from .network import EIReservoir

        return EIReservoir(**self.network_kwargs(seed, n_inputs, **overrides))


class BalanceParams(ParamGroup):
    """The global balance of one reservoir (sweeps vary it instead)."""

    balance = _pos(1.0, "Global balance beta (1 = balanced).")


class HomeostasisParams(ParamGroup):
    """The homeostatic inhibitory rule: rate and heterogeneity of its targets.

    Srinivasan, Plenz & Girvan (2025).
    """

    concentration = _pos(4.0, "Beta concentration kappa of heterogeneous targets [A].")
    learning_rate = _pos(1e-3, "Adaptation rate delta.")

    def adaptation_targets(self, kind: str, rate: float, n: int, seed) -> np.ndarray:
        """Homogeneous ``rho`` or Beta(m kappa, (1 - m) kappa) targets with mean ``rate`` [A]."""
        if kind == "heterogeneous":
            from .adaptation import heterogeneous_targets

            return heterogeneous_targets(n, rate * self.concentration,
                                         (1 - rate) * self.concentration, seed)
        return np.full(n, rate)

    def apply_adaptation(self, reservoirs, kind: str, rates, drive, seed, on_block=None):
        """Adapt (in one batch) or one-step-balance ``reservoirs[i]`` to mean rate ``rates[i]``.

        Target seeds are spawned from ``seed`` (:class:`numpy.random.SeedSequence`), one per
        reservoir. Returns the target arrays and the traces (empty for one-step / none).
        ``on_block`` follows the adaptation (:func:`reservoirs.adaptation.adapt_system`).
        """
        n = reservoirs[0].n_neurons
        seeds = _sequence(seed).spawn(len(rates))
        targets = [self.adaptation_targets(kind, r, n, np.random.default_rng(s))
                   for r, s in zip(rates, seeds)]
        traces = []
        if kind in ("homogeneous", "heterogeneous"):
            from .batch import adapt_batch

            traces = adapt_batch(reservoirs, drive, targets, learning_rate=self.learning_rate,
                                 on_block=on_block)
        elif kind == "one_step":
            for res, rho in zip(reservoirs, targets):
                res.balance_one_step(rho, u_mean=drive.mean(axis=0))
        return targets, traces

    @staticmethod
    def unconverged(traces) -> list[str]:
        """Messages for the adaptations whose rates ended far from their targets.

        An adaptation has not converged when the mean :math:`|\\bar r_i - \\rho_i|` over neurons
        in its last recorded block exceeds :data:`RATE_TOLERANCE` (claim T5 of Srinivasan,
        Plenz & Girvan 2025 is that rates reach their targets; converged runs here end near
        0.01).
        """
        return [f"adaptation {i} did not converge: mean |rate - target| = {t.rate_error():.3f} "
                f"> {RATE_TOLERANCE} (more adapt_steps or a smaller learning_rate)"
                for i, t in enumerate(traces) if not t.rate_error() <= RATE_TOLERANCE]


class AdaptationParams(HomeostasisParams):
    """Which homeostatic inhibition one reservoir gets before its task, and its target."""

    adaptation = param.Selector(objects=ADAPTATIONS, default="none",
                                doc="Homeostatic inhibition before the task.")
    # The rate reservoir's rates are sigmoid outputs in (0, 1): a dimensionless target (the
    # spiking reservoir's ``target_rate`` is in Hz, another quantity).
    target_rate = param.Number(0.5, bounds=(0.0, 1.0), inclusive_bounds=(False, False),
                               doc="Target rate rho (mean of the Beta targets).")


class AdaptStepsParams(ParamGroup):
    """Length of the adaptation phase driven by input with the task's statistics."""

    adapt_steps = param.Integer(3000, bounds=(1, None), doc="Adaptation steps.")

    def memory_estimate(self) -> dict[str, float]:
        out = super().memory_estimate()
        n = float(getattr(self, "n_neurons", 1))
        out["adapt_steps*n_neurons"] = _F64 * self.adapt_steps * (n / 10 + 2)
        return out


class WashoutParams(ParamGroup):
    """The reservoir's initial transient, dropped before a linear readout is fitted."""

    washout = param.Integer(200, bounds=(0, None),
                            doc="Steps discarded (initial transient) before the readout's window.")


class TaskLengthParams(WashoutParams):
    """Delays and washout of the memory-capacity readout (shared by one-task and suites)."""

    k_max = param.Integer(100, bounds=(1, None), doc="Largest MC delay.")


class MemoryTaskParams(TaskLengthParams):
    """The memory-capacity task of one reservoir (Jaeger 2001)."""

    n_steps = param.Integer(4000, bounds=(21, None), doc="Input length of the MC task.")

    def validate(self) -> None:
        super().validate()
        check_task_length("n_steps", self.n_steps, self.washout, self.k_max)

    def memory_estimate(self) -> dict[str, float]:
        out = super().memory_estimate()
        n = float(getattr(self, "n_neurons", 1))
        out["n_steps*n_neurons"] = 3 * _F64 * float(self.n_steps) * (n + self.k_max)
        return out

    def memory_task(self, seed):
        """The :class:`reservoirs.tasks.MemoryCapacityTask` of the parameters."""
        from .tasks import MemoryCapacityTask

        return MemoryCapacityTask(self.k_max, self.n_steps, self.washout, seed)


class TaskSuiteParams(TaskLengthParams):
    """Memory capacity and NARMA-10 scored together (sweeps; Jaeger 2001, Atiya & Parlos 2000)."""

    mc_steps = param.Integer(4000, bounds=(21, None), doc="MC input length.")
    narma_steps = param.Integer(4000, bounds=(100, None), doc="NARMA-10 series length.")

    def validate(self) -> None:
        super().validate()
        check_task_length("mc_steps", self.mc_steps, self.washout, self.k_max)
        if self.narma_steps < self.washout + 100:
            raise ValueError(f"narma_steps must be >= washout + 100 = {self.washout + 100}, "
                             f"got {self.narma_steps}")

    def memory_estimate(self) -> dict[str, float]:
        out = super().memory_estimate()
        n = float(getattr(self, "n_neurons", 1)) * float(getattr(self, "batch_size", 1))
        out["mc_steps*n_neurons*batch_size"] = 3 * _F64 * float(self.mc_steps) * (n + self.k_max)
        out["narma_steps*n_neurons*batch_size"] = 3 * _F64 * float(self.narma_steps) * (n + 1)
        return out

    def suite(self, seed) -> dict:
        """``{"mc": MemoryCapacityTask, "narma": Narma10Task}`` with seeds spawned from ``seed``."""
        from .tasks import MemoryCapacityTask, Narma10Task

        mc_seed, narma_seed = _sequence(seed).spawn(2)
        return {"mc": MemoryCapacityTask(self.k_max, self.mc_steps, self.washout, _int(mc_seed)),
                "narma": Narma10Task(self.narma_steps, self.washout, _int(narma_seed))}


class SeedsParams(SeedsCount):
    """Independent network realisations of a sweep (mean ± SEM over them)."""

    def realisation_seeds(self) -> list[int]:
        """One seed per realisation, spawned from the run's ``seed``."""
        return [_int(s) for s in np.random.SeedSequence(self.seed).spawn(self.n_seeds)]


class BatchParams(ParamGroup):
    """How many reservoirs one batched simulation advances together (speed and memory)."""

    # Reservoirs in one batch; the AL-RNN's ``batch_size`` (training windows) is another
    # quantity.
    batch_size = param.Integer(16, bounds=(1, None), doc="Reservoirs simulated together.")


class BalanceGridParams(ParamGroup):
    """The grid of a balance study: global balances beta, input scalings sigma_in and target
    rates rho of the adaptive conditions (Srinivasan, Plenz & Girvan 2025)."""

    balances = param.List([0.5 + 0.125 * i for i in range(16)], item_type=float,
                          doc="Global balances beta of the globally tuned networks.")
    input_scalings = param.List([0.25, 0.5, 1.0, 2.0], item_type=float,
                                doc="Input scalings sigma_in.")
    target_rates = param.List([0.3, 0.5, 0.7], item_type=float,
                              doc="Target rates rho of the adaptive conditions (means of the "
                                  "heterogeneous Beta targets).")

    def validate(self) -> None:
        super().validate()
        for name in ("balances", "input_scalings", "target_rates"):
            if not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty list")
        if min(self.balances) <= 0:
            raise ValueError(f"balances must be > 0, got {self.balances}")
        if min(self.input_scalings) < 0:
            raise ValueError(f"input_scalings must be >= 0, got {self.input_scalings}")
        if not all(0 < r < 1 for r in self.target_rates):
            raise ValueError(f"target_rates must lie in (0, 1), got {self.target_rates}")


#: Plasticity conditions of the spiking reservoir: none, homogeneous or heterogeneous
#: (log-normal) iSTDP target rates.
SPIKING_CONDITIONS = ["none", "homogeneous", "heterogeneous"]


class SpikingNetworkParams(PopulationParams):
    """The spiking (LIF, brian2) E/I network, its input and its features.

    ``input_fraction`` defaults to 1 for the spiking reservoir (measured MC 2.43 vs 2.24 at
    0.3, see :class:`reservoirs.spiking.SpikingEIReservoir`).
    """

    connectivity = param.Number(0.1, bounds=(0.0, 1.0), inclusive_bounds=(False, True),
                                doc="Connection probability p of each ordered pair.")
    synapse = param.Selector(objects=["cuba", "coba"], default="cuba",
                             doc="Current- or conductance-based synapses.")
    v_rest = param.Number(None, allow_None=True, bounds=(-100.0, 0.0),
                          doc="Resting potential (mV); default -49 (cuba) / -60 (coba).")
    background_rate = param.Number(0.0, bounds=(0.0, None),
                                   doc="External Poisson input per neuron (Hz, total).")
    input_scale = param.Number(40.0, bounds=(0.0, None),
                               doc="Input weights U(-s/2, s/2) in mV of depolarisation.")
    step = param.Number(20.0, bounds=(0.1, 10_000.0),
                        doc="Duration of one input sample (ms); 20 ms doubles the spikes per "
                            "sample of the former 10 ms (see the model's docstring).")
    tau_filter = param.Number(10.0, bounds=(0.1, None),
                              doc="Feature filter time constant (ms); the shortest one when "
                                  "tau_filter_max is set.")
    tau_filter_max = param.Number(320.0, allow_None=True, bounds=(0.1, None),
                                  doc="Longest per-neuron filter time constant (ms), log-uniform "
                                      "from tau_filter (None: one tau_filter for all); the "
                                      "largest measured MC lever (1.68 -> 2.43).")
    codegen = param.Selector(objects=["auto", "cython", "numpy", "cpp_standalone"],
                             default="auto", doc="brian2 code-generation target.")

    def validate(self) -> None:
        super().validate()
        if self.n_neurons < 20:
            raise ValueError(f"n_neurons must be >= 20 for the spiking reservoir, got {self.n_neurons}")
        if self.tau_filter_max is not None and self.tau_filter_max < self.tau_filter:
            raise ValueError(f"tau_filter_max must be >= tau_filter = {self.tau_filter} ms or "
                             f"None, got {self.tau_filter_max}")

    def memory_estimate(self) -> dict[str, float]:
        # Synapses: p n^2 of them, brian2 keeps ~10 arrays of 8 bytes per synapse.
        out = super().memory_estimate()
        n = float(self.n_neurons)
        out["n_neurons*connectivity"] = 80 * self.connectivity * n * n + 400 * n
        return out

    def build_spiking_reservoir(self, seed, g=None, plasticity=None):
        """The :class:`reservoirs.spiking.SpikingEIReservoir` of the parameters.

        ``g=None`` keeps the model's default of the synapse type (cuba 5.56, coba 11.2).
        """
        from .spiking.model import SpikingEIReservoir

        return SpikingEIReservoir(
            self.n_neurons, connectivity=self.connectivity, synapse=self.synapse, g=g,
            v_rest=self.v_rest, background_rate=self.background_rate,
            input_scale=self.input_scale, input_fraction=self.input_fraction, step=self.step,
            tau_filter=self.tau_filter, tau_filter_max=self.tau_filter_max,
            codegen=self.codegen, plasticity=plasticity, seed=seed)


class IStdpParams(ParamGroup):
    """Inhibitory STDP (Vogels et al. 2011) driving excitatory neurons to target rates."""

    # In Hz (the rate reservoir's ``target_rate`` is a dimensionless sigmoid output).
    target_rate = param.Number(5.0, bounds=(0.1, 200.0), doc="Mean iSTDP target rate (Hz).")
    target_cv = param.Number(0.5, bounds=(0.01, 3.0),
                             doc="CV of log-normal heterogeneous targets.")
    eta = param.Number(0.3, bounds=(0.0, None), inclusive_bounds=(False, True),
                       doc="iSTDP learning rate (weight factor units).")
    adapt_duration = param.Number(3000.0, bounds=(1.0, None),
                                  doc="Adaptation phase with the task's input statistics (ms).")

    def validate(self) -> None:
        super().validate()
        step = getattr(self, "step", 1.0)
        if int(round(self.adapt_duration / step)) < 1:
            raise ValueError(f"adapt_duration must be at least one step ({step} ms), got "
                             f"{self.adapt_duration}")

    def istdp(self, condition: str, n_exc: int, seed):
        """The iSTDP rule of ``condition`` (``"none"`` -> None)."""
        if condition == "none":
            return None
        from .spiking.plasticity import InhibitorySTDP, target_rates

        kind = "homogeneous" if condition == "homogeneous" else "lognormal"
        rates = target_rates(n_exc, self.target_rate, kind, cv=self.target_cv, seed=seed)
        return InhibitorySTDP(target_rate=rates, eta=self.eta)


def _sequence(seed) -> np.random.SeedSequence:
    """``seed`` as a :class:`numpy.random.SeedSequence` (an int or already one)."""
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def _int(seq: np.random.SeedSequence) -> int:
    """A 63-bit integer seed from a spawned :class:`numpy.random.SeedSequence`."""
    return int(seq.generate_state(2, np.uint64)[0] >> np.uint64(1))
