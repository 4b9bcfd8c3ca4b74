"""Registered AL-RNN experiments: reconstruct Lorenz-63 / Rössler / any series, sweep P.

Each experiment trains an AL-RNN (:func:`alrnn.train.train`), evaluates the best checkpoint
with the lab protocol on a separate test series (the AL-RNN research note, §3.6), analyses
its symbolic dynamics (§5) and writes into the run what :data:`RECONSTRUCTION_OUTPUTS`
declares (the best checkpoint is rewritten whenever a better one is found during training,
and the training curves are logged as it goes). Parameters are the groups of
:mod:`alrnn.params`; JAX is imported when a run starts.

Training stops early, keeping the best checkpoint, when :meth:`request_stop` is called (or
``stop_event`` is set) from another thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import param

from workbench.experiment import Experiment, defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate
from workbench.validation import check_int

from .checkpoints import write_checkpoint, write_divergence
from .params import DataParams, ModelParams, ReluParams, TrainingParams, preset_config

__all__ = [
    "EXPERIMENTS",
    "FitExperiment",
    "Lorenz63Experiment",
    "PSweepExperiment",
    "Reconstruction",
    "RosslerExperiment",
    "SYSTEMS",
    "reconstruct",
]


@dataclass(frozen=True)
class _System:
    """A ground-truth system: generator, sampling interval, equilibria, targets."""

    name: str
    dt: float
    d_stsp_target: float
    d_h_target: float
    n_regions_target: int

    def generate(self, **kw):
        """A trajectory of the system (:mod:`workbench.systems`, imported on use)."""
        from workbench import systems

        return getattr(systems, self.name)(**kw)

    def fixed_points(self):
        """The system's equilibria (:mod:`alrnn.data`)."""
        from . import data

        return getattr(data, f"{self.name}_fixed_points")()


SYSTEMS = {
    "lorenz63": _System("lorenz63", 0.01, 2.5, 0.3, 3),
    "rossler": _System("rossler", 0.08, 1.5, 0.15, 2),
}

#: Seeds of the generated training and test trajectories (fixed: every run shares the data).
TRAIN_DATA_SEED, TEST_DATA_SEED = 0, 1

#: DOP853 tolerances of the generated data (``docs/alrnn.md`` §4: "tight tolerances, e.g. 1e-9").
_TOLERANCES = {"rtol": 1e-9, "atol": 1e-9}


class _Reconstruction(ModelParams, TrainingParams, DataParams, Experiment):
    """Parameters shared by the AL-RNN experiments (data, model size, training recipe).

    Training parameters left at ``None`` take the preset's value (``preset``, by default the
    system's shortened recipe, :data:`alrnn.train.FAST_CONFIGS`).
    """

    __abstract = True

    system: ClassVar[str | None] = None

    def __init__(self, **params):
        super().__init__(**params)
        self.stop_event = threading.Event()

    def request_stop(self):
        """Ask a running training to stop at its next evaluation (keeps the best model)."""
        self.stop_event.set()

    # -- configuration -------------------------------------------------------------------
    def system_key(self):
        """The ground-truth system (``None`` for a data file experiment)."""
        return self.system

    def train_config(self):
        """The :class:`alrnn.train.TrainConfig` of the parameters (``None`` entries from the preset).

        A preset's ``select_targets`` are its system's targets: on a data file or another
        system the checkpoints are selected by the authors' rule (lowest D_stsp) instead.
        """
        config = preset_config(self.preset_name()).replace(**self.train_overrides())
        if config.select_targets is not None and (self.data or self.system_key() != self.preset_name()):
            config = config.replace(select_targets=None)
        return config

    def _n_features(self):
        return _data_shape(self.data)[1] if self.data else 3

    def _check_sizes(self, P_values):
        N = self._n_features()
        for P in P_values:
            if P > self.M:
                raise ValueError(f"P must be in [0, M] = [0, {self.M}], got {P}")
            if N > self.M - P:
                raise ValueError(f"M - P must be >= N = {N} observed features (readout units are "
                                 f"linear), got M={self.M}, P={P}")

    def validate(self):
        config = self.train_config()
        if self.data:
            T = _data_shape(self.data)[0]
            n_train = int(round(self.train_fraction * T))
            n_test = T - n_train
        else:
            n_train, n_test = self.n_train, self.n_test
        if n_train < config.seq_len + 1:
            raise ValueError(f"seq_len must be < the training length {n_train} "
                             f"(got seq_len={config.seq_len})")
        if n_test < config.pe_steps + 2:
            raise ValueError(f"the test part must hold at least {config.pe_steps + 2} rows, got {n_test}")

    # -- data ----------------------------------------------------------------------------
    def load_data(self, store):
        """Training and test series (z-scored with the training statistics) and true equilibria.

        Returns
        -------
        train, test : numpy.ndarray (T, N)
        true_fixed_points : numpy.ndarray (k, N) or None
            Equilibria of the generating system in the z-scored coordinates.
        dt : float
            Sampling interval (1 for files).
        """
        from .data import load_series, split_series, zscore

        if self.data:
            train_raw, test_raw = split_series(load_series(self.data), self.train_fraction)
            train, mean, std = zscore(train_raw)
            return train, zscore(test_raw, mean, std)[0], None, self.dt or 1.0
        sys_ = SYSTEMS[self.system_key()]
        train_raw = store.dataset(sys_.name, sys_.generate, n_steps=self.n_train, dt=sys_.dt,
                                  zscore=False, seed=TRAIN_DATA_SEED, **_TOLERANCES)
        test_raw = store.dataset(sys_.name, sys_.generate, n_steps=self.n_test, dt=sys_.dt,
                                 zscore=False, seed=TEST_DATA_SEED, **_TOLERANCES)
        train, mean, std = zscore(train_raw)
        test = zscore(test_raw, mean, std)[0]
        return train, test, (sys_.fixed_points() - mean) / std, sys_.dt


def _data_shape(path):
    """Shape of the (time, features) series in ``path`` (ValueError when unreadable)."""
    from .data import load_series

    return load_series(path).shape


@dataclass
class Reconstruction:
    """Outcome of :func:`reconstruct`: training result, test scores, free run, analysis."""

    result: object
    scores: dict
    generated: np.ndarray
    latent: np.ndarray
    analysis: object
    lyapunov: float
    seconds: float


def reconstruct(train_data, test, M, P, config, *, seed=0, dt=1.0, symbolic_steps=None,
                max_period=3, progress=None, should_stop=None, on_eval=None):
    """Train an AL-RNN, score it on the test series and analyse its symbolic dynamics.

    The best checkpoint (training-time selection, :func:`~alrnn.train.checkpoint_key`) is
    run freely from ``test[0]`` for :math:`1.25\\,T` steps (the first :math:`0.25\\,T`
    dropped, ``docs/alrnn.md`` §3.6) and compared with ``test`` (D_stsp, D_H, PE); regions, transition
    graph, fixed points and cycles come from the same free run (at least ``symbolic_steps``
    long); :math:`\\lambda_{max}` per unit time
    from the Jacobians :math:`\\mathrm{diag}(A) + W D_\\Omega` along its first 10 000 steps.

    Returns
    -------
    Reconstruction
    """
    from workbench import metrics

    from .evaluation import score_trajectory
    from .symbolic import analyze
    from .train import train

    t0 = time.perf_counter()
    result = train(train_data, M, P, config, seed=seed, progress=progress, should_stop=should_stop,
                   on_eval=on_eval)
    model = result.model
    T = len(test)
    n_run = max(T, symbolic_steps or 0)
    transient = int(round(0.25 * T))
    Z, X = model.generate(test[0], n_run + transient)
    Z, X = Z[transient:], X[transient:].astype(np.float64)
    scores = score_trajectory(test, X[:T], model, n_bins=config.n_bins, smoothing=config.smoothing,
                              pe_steps=config.pe_steps)
    finite = bool(np.all(np.isfinite(Z)))
    analysis = analyze(model, Z, max_period=max_period) if finite else None
    lyap = float("nan")
    if finite:
        Zl = Z[:10_000].astype(np.float64)
        lyap = metrics.max_lyapunov(Zl, dt, jacobian=model.jacobian, renorm_every=5)
    return Reconstruction(result, scores, X[:T], Z, analysis, lyap, time.perf_counter() - t0)


def _streaming_callbacks(run):
    """``on_eval`` writing the curves and the best checkpoint into ``run`` as training goes."""
    def on_eval(epoch, rec, model):
        run.log(epoch, **{k: rec[k] for k in ("loss", "d_stsp", "d_h", "pe")})
        if rec.get("best"):
            write_checkpoint(run, model)
            run.metrics["best_epoch"] = int(epoch)
        run.flush()
    return on_eval


def _fixed_point_errors(analysis, true_fps, N):
    """Distance of every true equilibrium to the nearest model fixed point (observed units)."""
    if analysis is None or true_fps is None or not analysis.fixed_points:
        return None
    model_fps = np.array([fp.z[:N] for fp in analysis.fixed_points])
    d = np.linalg.norm(true_fps[:, None, :] - model_fps[None, :, :], axis=-1)
    return d.min(axis=1)


def _write_reconstruction(run, rec: Reconstruction, test, true_fps, sys_=None, dt=1.0):
    from .figures import attractor_figure, training_curves_figure, transition_graph_figure

    model, an = rec.result.model, rec.analysis
    write_checkpoint(run, model)
    run.write("test", test.astype(np.float32), dims=("time", "dim"))
    run.write("generated", rec.generated.astype(np.float32), dims=("time", "dim"))
    write_coordinate(run, "time", np.arange(len(test)) * dt, "time")
    hist = rec.result.history
    m = run.metrics
    m.update({k: float(v) for k, v in rec.scores.items()})
    m.update({"best_epoch": int(rec.result.best_epoch), "train_d_stsp": rec.result.best_metrics["d_stsp"],
              "train_d_h": rec.result.best_metrics["d_h"], "train_status": rec.result.status,
              "train_seconds": float(rec.result.seconds), "seconds": float(rec.seconds),
              "lyapunov": float(rec.lyapunov),
              "epochs_run": int(hist["epoch"][-1]) if len(hist["epoch"]) else 0})
    if an is not None:
        run.write("regions", an.ranks[:len(rec.generated)].astype(np.int16), dims=("time",))
        run.write("transitions", an.transitions, dims=("region", "region_to"))
        run.write("fixed_points", np.array([fp.z for fp in an.fixed_points]), dims=("region", "latent"))
        run.write("fixed_point_radius", np.array([fp.spectral_radius for fp in an.fixed_points]),
                  dims=("region",))
        run.write("fixed_point_real", np.array([fp.real for fp in an.fixed_points]), dims=("region",))
        m.update(an.summary())
        m["coverage_top"] = float(np.sum(an.occupancy[:sys_.n_regions_target])) if sys_ else None
        errs = _fixed_point_errors(an, true_fps, model.N)
        if errs is not None:
            m["fixed_point_errors"] = [float(e) for e in errs]
        run.save_figure("attractor", attractor_figure(test, rec.generated, an.ranks[:len(rec.generated)],
                                                      an.labels))
        run.save_figure("transition_graph", transition_graph_figure(an.graph))
    if sys_ is not None:
        m["targets_met"] = bool(rec.scores["d_stsp"] <= sys_.d_stsp_target
                                and rec.scores["d_h"] <= sys_.d_h_target
                                and an is not None and an.n_regions_covering(0.99) == sys_.n_regions_target)
    run.save_figure("training_curves", training_curves_figure({**hist, "best_epoch": rec.result.best_epoch}))


#: What a single reconstruction writes (:func:`_write_reconstruction`).
RECONSTRUCTION_OUTPUTS = Outputs(
    metrics=(Metric("d_stsp", "State-space divergence of the free run vs the test series."),
             Metric("d_h", "Power-spectrum Hellinger distance of the free run vs the test series."),
             Metric("pe", "Prediction error over the PE horizon on the test series."),
             Metric("best_epoch", "Epoch of the best checkpoint."),
             Metric("train_d_stsp", "Training-time D_stsp of the best checkpoint."),
             Metric("train_d_h", "Training-time D_H of the best checkpoint."),
             Metric("train_status", "How training ended (finished, stopped, ...)."),
             Metric("train_seconds", "Training wall time.", "s"),
             Metric("seconds", "Wall time of training, evaluation and analysis.", "s"),
             Metric("lyapunov", "Largest Lyapunov exponent of the model, per unit time.", "1/time"),
             Metric("epochs_run", "Last epoch evaluated."),
             *(Metric(name, meaning, optional=True) for name, meaning in (
                 ("n_regions", "Linear subregions visited by the free run."),
                 ("n_regions_99", "Fewest regions holding >= 99 % of the free run."),
                 ("regions", "Region labels, most visited first."),
                 ("occupancy", "Share of the free run in each region."),
                 ("fixed_points", "Fixed points with region, state and stability."),
                 ("n_cycles", "Cycles found per period."),
                 ("topological_entropy", "Topological entropy of the symbolic dynamics."),
                 ("coverage_top", "Share of the free run in the system's target number of regions."),
                 ("fixed_point_errors", "Distance of each true equilibrium to the nearest model "
                                        "fixed point (z-scored units)."),
                 ("targets_met", "D_stsp, D_H and the number of regions meet the system's targets.")))),
    arrays=(Array("A", ("latent",), "Diagonal A of the best checkpoint."),
            Array("W", ("latent", "latent_source"), "Connectivity W of the best checkpoint."),
            Array("h", ("latent",), "Bias h of the best checkpoint."),
            Array("L", ("latent", "dim"), "Initial-state map L of the best checkpoint."),
            Array("test", ("time", "dim"), "Test series (z-scored)."),
            Array("generated", ("time", "dim"), "Free run of the model from test[0]."),
            Array("regions", ("time",), "Region rank visited at each generated step.", optional=True),
            Array("transitions", ("region", "region_to"), "Transition counts between regions.",
                  optional=True),
            Array("fixed_points", ("region", "latent"), "Fixed points of the visited regions.",
                  optional=True),
            Array("fixed_point_radius", ("region",), "Spectral radius at each fixed point.",
                  optional=True),
            Array("fixed_point_real", ("region",), "Whether each fixed point lies in its region.",
                  optional=True)),
    coords=(Coordinate("time", "Time of each test step, i * dt.", "time"),
            Coordinate("latent", "Latent unit (the last P are ReLU units).")),
    figures=(Figure("training_curves", "Loss, D_stsp, D_H and PE during training"),
             Figure("attractor", "Test series and free run coloured by region", optional=True),
             Figure("transition_graph", "Transition graph of the linear subregions", optional=True)),
    logs=("loss", "d_stsp", "d_h", "pe"),
)


class _SingleReconstruction(ReluParams, _Reconstruction):
    """One AL-RNN trained on one series (Lorenz-63, Rössler or a file)."""

    outputs = RECONSTRUCTION_OUTPUTS

    max_period = param.Integer(3, bounds=(1, 10), doc="Longest cycle period searched.")

    def validate(self):
        super().validate()
        self._check_sizes([self.P])

    def execute(self, run, progress):
        from .train import TrainingDiverged

        train_data, test, true_fps, dt = self.load_data(run.store)
        config = self.train_config()
        try:
            rec = reconstruct(
                train_data, test, self.M, self.P, config, seed=self.seed, dt=dt,
                symbolic_steps=self.symbolic_steps, max_period=self.max_period,
                progress=lambda f, msg="", **kw: progress(0.9 * f, msg, **kw),
                should_stop=self.stop_event.is_set, on_eval=_streaming_callbacks(run))
        except TrainingDiverged as exc:
            write_divergence(run, [exc])
            raise
        progress(0.95, "writing results")
        _write_reconstruction(run, rec, test, true_fps, SYSTEMS.get(self.system_key() or ""), dt)


class Lorenz63Experiment(_SingleReconstruction):
    """Reconstruct Lorenz-63 with an AL-RNN (M=20, P=2; the shortened preset: tau=12, windows
    of 200 steps).

    Targets (``docs/alrnn.md`` §6.2, lab protocol): D_stsp <= 2.5, D_H <= 0.3, 3 regions holding >= 99 %
    of a 100 000-step free run, wing fixed points near :math:`C_\\pm`.
    """

    kind = "alrnn.lorenz63"
    system = "lorenz63"


@defaults(P=1, n_test=20_000)
class RosslerExperiment(_SingleReconstruction):
    """Reconstruct the Rössler system with an AL-RNN (M=20, P=1; the shortened preset: tau=8,
    windows of 300 steps).

    Targets (``docs/alrnn.md`` §6.2, lab protocol on a 20 000-step test series as in the
    reference measurement; D_H depends on the series length): D_stsp <= 1.5, D_H <= 0.15, 2 regions.
    """

    kind = "alrnn.rossler"
    system = "rossler"


@defaults(eval_steps=20_000)
class FitExperiment(_SingleReconstruction):
    """Fit an AL-RNN to any ``(time, features)`` file (e.g. the authors' ECG set).

    The file is split into a training part (``train_fraction``) and a test part, both
    z-scored with the training statistics. Unset training parameters take the Lorenz-63
    preset; for the authors' ECG setting choose ``preset`` ``authors_ecg`` and set M to 100.
    """

    kind = "alrnn.fit"

    def validate(self):
        if not self.data:
            raise ValueError("data must name a .npy or .csv file of shape (time, features)")
        super().validate()


class PSweepExperiment(_Reconstruction):
    """Reconstruction quality and used subregions against the number of ReLU units P.

    One model per P (same seed and data); the run's metric ``smallest_P`` is the smallest P
    whose test D_stsp and D_H meet the system's targets (Lorenz-63 2.5 / 0.3, Rössler
    1.5 / 0.15; the paper finds P = 2 and P = 1).
    """

    kind = "alrnn.p_sweep"
    outputs = Outputs(
        metrics=(Metric("smallest_P", "Smallest P meeting the system's D_stsp and D_H targets."),
                 Metric("table", "The per-P table as lists.")),
        arrays=(Array("P_values", ("p",), "Number of ReLU units P."),
                Array("d_stsp", ("p",), "Test D_stsp per P."),
                Array("d_h", ("p",), "Test D_H per P."),
                Array("pe", ("p",), "Test prediction error per P."),
                Array("n_regions", ("p",), "Regions visited by the free run."),
                Array("n_regions_99", ("p",), "Regions holding >= 99 % of the free run."),
                Array("lyapunov", ("p",), "Largest Lyapunov exponent.", "1/time")),
        coords=(Coordinate("p", "Number of ReLU units P."),),
        figures=(Figure("p_sweep", "Reconstruction quality and regions against P"),),
        logs=("d_stsp", "d_h", "pe"),
    )
    system_name = param.Selector(default="lorenz63", objects=list(SYSTEMS),
                                 doc="Ground-truth system: its trajectories (unless data is set), "
                                     "training preset and targets.")
    P_values = param.List([0, 1, 2, 3, 4, 5], item_type=int, doc="Numbers of ReLU units to try.")

    def system_key(self):
        return self.system_name

    def validate(self):
        super().validate()
        if not self.P_values:
            raise ValueError("P_values must hold at least one P in [0, M]")
        for P in self.P_values:
            check_int(P, "P_values", 0, self.M)
        self._check_sizes(self.P_values)

    def execute(self, run, progress):
        from .figures import p_sweep_figure
        from .train import TrainingDiverged

        train_data, test, _, dt = self.load_data(run.store)
        config = self.train_config()
        sys_ = SYSTEMS[self.system_name]
        rows = []
        n = len(self.P_values)
        for i, P in enumerate(self.P_values):
            if self.stop_event.is_set():
                break
            try:
                rec = reconstruct(
                    train_data, test, self.M, P, config, seed=self.seed, dt=dt, max_period=1,
                    progress=lambda f, msg="", _i=i, _P=P, **kw: progress((_i + f) / n, f"P={_P}: {msg}",
                                                                          **kw),
                    should_stop=self.stop_event.is_set)
            except TrainingDiverged as exc:
                write_divergence(run, [exc])
                raise
            an = rec.analysis
            rows.append((P, rec.scores["d_stsp"], rec.scores["d_h"], rec.scores["pe"],
                         an.n_regions if an else 0, an.n_regions_covering(0.99) if an else 0,
                         rec.lyapunov))
            run.log(P, d_stsp=rec.scores["d_stsp"], d_h=rec.scores["d_h"], pe=rec.scores["pe"])
            run.flush()
        table = np.array(rows, dtype=np.float64).reshape(-1, 7)
        names = ("P", "d_stsp", "d_h", "pe", "n_regions", "n_regions_99", "lyapunov")
        for j, name in enumerate(names):
            run.write(name if name != "P" else "P_values", table[:, j], dims=("p",))
        write_coordinate(run, "p", table[:, 0].astype(np.int64))
        ok = [int(r[0]) for r in rows if r[1] <= sys_.d_stsp_target and r[2] <= sys_.d_h_target]
        run.metrics["smallest_P"] = min(ok) if ok else None
        run.metrics["table"] = {name: table[:, j].tolist() for j, name in enumerate(names)}
        run.save_figure("p_sweep", p_sweep_figure(table[:, 0], table[:, 1], table[:, 2], table[:, 4],
                                                  table[:, 5]))


EXPERIMENTS = [Lorenz63Experiment, RosslerExperiment, PSweepExperiment, FitExperiment]
