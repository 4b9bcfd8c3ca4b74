"""Registered AL-RNN experiments: reconstruct Lorenz-63 / Rössler / any series, sweep P.

Each experiment trains an AL-RNN (:func:`alrnn.train.train`), evaluates the best checkpoint
with the lab protocol on a separate test series (note ``research/alrnn.md`` §3.6), analyses
its symbolic dynamics (§5) and writes into the run:

* arrays ``A``, ``W``, ``h``, ``L`` (best checkpoint, rewritten whenever a better one is
  found during training), ``test`` and ``generated`` (observed series), ``regions`` (region
  rank per generated step), ``transitions``, ``fixed_points``, ``fixed_point_radius``,
  ``fixed_point_real``;
* training curves through ``run.log(epoch, loss=, d_stsp=, d_h=, pe=)``;
* metrics ``d_stsp``, ``d_h``, ``pe``, ``n_regions``, ``n_regions_99``, ``lyapunov``, ...;
* figures ``attractor``, ``transition_graph``, ``training_curves``.

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

from workbench import metrics, systems
from workbench.experiment import Experiment
from workbench.validation import check_int

from .data import load_series, lorenz63_fixed_points, rossler_fixed_points, split_series, zscore
from .evaluation import score_trajectory
from .figures import attractor_figure, p_sweep_figure, training_curves_figure, transition_graph_figure
from .model import ALRNN
from .symbolic import analyze
from .train import FAST_CONFIGS, TrainConfig, TrainResult, train

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
    generate: object
    dt: float
    fixed_points: object
    d_stsp_target: float
    d_h_target: float
    n_regions_target: int


SYSTEMS = {
    "lorenz63": _System("lorenz63", systems.lorenz63, 0.01, lorenz63_fixed_points, 2.5, 0.3, 3),
    "rossler": _System("rossler", systems.rossler, 0.08, rossler_fixed_points, 1.5, 0.15, 2),
}

#: Seeds of the generated training and test trajectories (fixed: every run shares the data).
TRAIN_DATA_SEED, TEST_DATA_SEED = 0, 1

#: DOP853 tolerances of the generated data (note §4: "tight tolerances, e.g. 1e-9").
_TOLERANCES = {"rtol": 1e-9, "atol": 1e-9}

_TRAIN_FIELDS = ("tau", "seq_len", "epochs", "batches_per_epoch", "batch_size", "start_lr", "end_lr",
                 "noise", "alpha", "eval_every", "eval_starts", "population", "explore_fraction")


class _Reconstruction(Experiment):
    """Parameters shared by the AL-RNN experiments (data, model size, training recipe).

    Training parameters left at ``None`` take the system's fast preset
    (:data:`alrnn.train.FAST_CONFIGS`).
    """

    M = param.Integer(20, bounds=(1, None), doc="Number of latent units M.")
    tau = param.Integer(None, bounds=(1, None), allow_None=True,
                        doc="Teacher-forcing interval tau (steps).")
    seq_len = param.Integer(None, bounds=(2, None), allow_None=True,
                            doc="Training window length (steps).")
    epochs = param.Integer(None, bounds=(1, None), allow_None=True, doc="Training epochs.")
    batches_per_epoch = param.Integer(None, bounds=(1, None), allow_None=True,
                                      doc="Optimiser steps per epoch.")
    batch_size = param.Integer(None, bounds=(1, None), allow_None=True, doc="Windows per batch.")
    start_lr = param.Number(None, bounds=(0, None), inclusive_bounds=(False, True), allow_None=True,
                            doc="Initial RAdam learning rate.")
    end_lr = param.Number(None, bounds=(0, None), inclusive_bounds=(False, True), allow_None=True,
                          doc="Final learning rate (exponential decay per epoch).")
    noise = param.Number(None, bounds=(0, None), allow_None=True,
                         doc="Std of the Gaussian noise added to training windows.")
    alpha = param.Number(None, bounds=(0, 1), inclusive_bounds=(False, True), allow_None=True,
                         doc="Forcing strength (1: identity teacher forcing).")
    eval_every = param.Integer(None, bounds=(1, None), allow_None=True,
                               doc="Epochs between checkpoint evaluations.")
    eval_starts = param.Integer(None, bounds=(1, None), allow_None=True,
                                doc="Starting points of the training-time free runs scoring checkpoints.")
    population = param.Integer(None, bounds=(1, None), allow_None=True,
                               doc="Initialisations trained side by side (then the best checkpoint goes on).")
    explore_fraction = param.Number(None, bounds=(0, 1), allow_None=True,
                                    doc="Share of the epochs all population members are trained.")
    eval_steps = param.Integer(None, bounds=(0, None), allow_None=True,
                               doc="Length of the training-time free run used to pick the best "
                                   "checkpoint (0: the whole training series; default: the "
                                   "system's preset).")
    data = param.String("", doc="Path of a (time, features) .npy/.csv file; empty: generate the "
                               "system's trajectories.")
    n_train = param.Integer(100_000, bounds=(100, None), doc="Generated training length (steps).")
    n_test = param.Integer(100_000, bounds=(100, None), doc="Generated test length (steps).")
    train_fraction = param.Number(0.8, bounds=(0, 1), inclusive_bounds=(False, False),
                                  doc="Share of a data file used for training (rest: test).")
    dt = param.Number(None, bounds=(0, None), inclusive_bounds=(False, True), allow_None=True,
                      doc="Sampling interval of a data file (Lyapunov exponent per unit time); "
                          "default 1 (per step). Generated data use the system's dt.")

    system: ClassVar[str | None] = None

    def __init__(self, **params):
        super().__init__(**params)
        self.stop_event = threading.Event()

    def request_stop(self):
        """Ask a running training to stop at its next evaluation (keeps the best model)."""
        self.stop_event.set()

    # -- configuration -------------------------------------------------------------------
    def _system_name(self):
        return self.system

    def train_config(self) -> TrainConfig:
        """The :class:`TrainConfig` of the parameters (``None`` entries from the preset).

        The preset's D_H threshold of checkpoint selection (``select_d_h_max``) was
        calibrated on the system's generated training series and free-run length (D_H
        depends on the length); it is dropped (selection by D_stsp alone) for a data file,
        another system, or another ``n_train``, ``eval_steps`` or ``eval_starts``.
        """
        name = self._system_name()
        preset = FAST_CONFIGS.get(name or "lorenz63")[1]
        values = {k: getattr(self, k) for k in _TRAIN_FIELDS if getattr(self, k) is not None}
        if self.eval_steps is not None:
            values["eval_steps"] = self.eval_steps or None
        config = preset.replace(**values)
        calibrated = (name is not None and not self.data
                      and self.n_train == _Reconstruction.param["n_train"].default
                      and (config.eval_steps, config.eval_starts) == (preset.eval_steps, preset.eval_starts))
        return config if calibrated else config.replace(select_d_h_max=None)

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
        if self.data:
            train_raw, test_raw = split_series(load_series(self.data), self.train_fraction)
            train, mean, std = zscore(train_raw)
            return train, zscore(test_raw, mean, std)[0], None, self.dt or 1.0
        sys_ = SYSTEMS[self._system_name()]
        train_raw = store.dataset(sys_.name, sys_.generate, n_steps=self.n_train, dt=sys_.dt,
                                  zscore=False, seed=TRAIN_DATA_SEED, **_TOLERANCES)
        test_raw = store.dataset(sys_.name, sys_.generate, n_steps=self.n_test, dt=sys_.dt,
                                 zscore=False, seed=TEST_DATA_SEED, **_TOLERANCES)
        train, mean, std = zscore(train_raw)
        test = zscore(test_raw, mean, std)[0]
        return train, test, (sys_.fixed_points() - mean) / std, sys_.dt


def _data_shape(path):
    """Shape of the (time, features) series in ``path`` (ValueError when unreadable)."""
    return load_series(path).shape


@dataclass
class Reconstruction:
    """Outcome of :func:`reconstruct`: training result, test scores, free run, analysis."""

    result: TrainResult
    scores: dict
    generated: np.ndarray
    latent: np.ndarray
    analysis: object
    lyapunov: float
    seconds: float


def reconstruct(train_data, test, M, P, config: TrainConfig, *, seed=0, dt=1.0, symbolic_steps=None,
                max_period=3, progress=None, should_stop=None, on_eval=None):
    """Train an AL-RNN, score it on the test series and analyse its symbolic dynamics.

    The best checkpoint (training-time selection, :func:`~alrnn.train.checkpoint_key`) is
    run freely from ``test[0]`` for :math:`1.25\\,T` steps (the first :math:`0.25\\,T`
    dropped, note §3.6) and compared with ``test`` (D_stsp, D_H, PE); regions, transition
    graph, fixed points and cycles come from the same free run (at least ``symbolic_steps``
    long); :math:`\\lambda_{max}` per unit time
    from the Jacobians :math:`\\mathrm{diag}(A) + W D_\\Omega` along its first 10 000 steps.

    Returns
    -------
    Reconstruction
    """
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
            _write_checkpoint(run, model)
            run.metrics["best_epoch"] = int(epoch)
        run.flush()
    return on_eval


def _write_checkpoint(run, model: ALRNN):
    arrays = model.to_arrays()
    run.write("A", arrays["A"], dims=("latent",))
    run.write("W", arrays["W"], dims=("latent", "latent_source"))
    run.write("h", arrays["h"], dims=("latent",))
    run.write("L", arrays["L"], dims=("latent", "dim"))


def _fixed_point_errors(analysis, true_fps, N):
    """Distance of every true equilibrium to the nearest model fixed point (observed units)."""
    if analysis is None or true_fps is None or not analysis.fixed_points:
        return None
    model_fps = np.array([fp.z[:N] for fp in analysis.fixed_points])
    d = np.linalg.norm(true_fps[:, None, :] - model_fps[None, :, :], axis=-1)
    return d.min(axis=1)


def _write_reconstruction(run, rec: Reconstruction, test, true_fps, sys_=None):
    model, an = rec.result.model, rec.analysis
    _write_checkpoint(run, model)
    run.write("test", test.astype(np.float32), dims=("time", "dim"))
    run.write("generated", rec.generated.astype(np.float32), dims=("time", "dim"))
    hist = rec.result.history
    m = run.metrics
    m.update({k: float(v) for k, v in rec.scores.items()})
    m.update({"best_epoch": int(rec.result.best_epoch), "train_d_stsp": rec.result.best_metrics["d_stsp"],
              "train_d_h": rec.result.best_metrics["d_h"], "train_status": rec.result.status,
              "train_seconds": float(rec.result.seconds), "seconds": float(rec.seconds),
              "lyapunov": float(rec.lyapunov), "epochs_run": int(hist["epoch"][-1]) if len(hist["epoch"]) else 0})
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
        m["targets_met"] = bool(rec.scores["d_stsp"] <= sys_.d_stsp_target and rec.scores["d_h"] <= sys_.d_h_target
                                and an is not None and an.n_regions_covering(0.99) == sys_.n_regions_target)
    run.save_figure("training_curves", training_curves_figure({**hist, "best_epoch": rec.result.best_epoch}))


class _SingleReconstruction(_Reconstruction):
    """One AL-RNN trained on one series (Lorenz-63, Rössler or a file)."""

    P = param.Integer(2, bounds=(0, None), doc="Number of ReLU units P (the last P latent units).")
    symbolic_steps = param.Integer(100_000, bounds=(2, None),
                                   doc="Length of the free run of the symbolic analysis.")
    max_period = param.Integer(3, bounds=(1, 10), doc="Longest cycle period searched.")

    def validate(self):
        super().validate()
        self._check_sizes([self.P])

    def execute(self, run, progress):
        train_data, test, true_fps, dt = self.load_data(run.store)
        config = self.train_config()
        rec = reconstruct(
            train_data, test, self.M, self.P, config, seed=self.seed, dt=dt,
            symbolic_steps=self.symbolic_steps, max_period=self.max_period,
            progress=lambda f, msg="", **kw: progress(0.9 * f, msg, **kw),
            should_stop=self.stop_event.is_set, on_eval=_streaming_callbacks(run))
        progress(0.95, "writing results")
        _write_reconstruction(run, rec, test, true_fps, SYSTEMS.get(self._system_name() or ""))


class Lorenz63Experiment(_SingleReconstruction):
    """Reconstruct Lorenz-63 with an AL-RNN (M=20, P=2, tau=16, windows of 200 steps).

    Targets (note §6.2, lab protocol): D_stsp <= 2.5, D_H <= 0.3, 3 regions holding >= 99 %
    of a 100 000-step free run, wing fixed points near :math:`C_\\pm`.
    """

    kind = "alrnn.lorenz63"
    system = "lorenz63"
    tau = param.Integer(FAST_CONFIGS["lorenz63"][1].tau)
    seq_len = param.Integer(FAST_CONFIGS["lorenz63"][1].seq_len)
    epochs = param.Integer(FAST_CONFIGS["lorenz63"][1].epochs)
    batches_per_epoch = param.Integer(FAST_CONFIGS["lorenz63"][1].batches_per_epoch)
    batch_size = param.Integer(FAST_CONFIGS["lorenz63"][1].batch_size)
    start_lr = param.Number(FAST_CONFIGS["lorenz63"][1].start_lr)
    end_lr = param.Number(FAST_CONFIGS["lorenz63"][1].end_lr)
    noise = param.Number(FAST_CONFIGS["lorenz63"][1].noise)
    alpha = param.Number(FAST_CONFIGS["lorenz63"][1].alpha)
    eval_every = param.Integer(FAST_CONFIGS["lorenz63"][1].eval_every)
    eval_steps = param.Integer(0)
    eval_starts = param.Integer(FAST_CONFIGS["lorenz63"][1].eval_starts)
    population = param.Integer(FAST_CONFIGS["lorenz63"][1].population)
    explore_fraction = param.Number(FAST_CONFIGS["lorenz63"][1].explore_fraction)


class RosslerExperiment(_SingleReconstruction):
    """Reconstruct the Rössler system with an AL-RNN (M=20, P=1, tau=8, windows of 300 steps).

    Targets (note §6.2, lab protocol on a 20 000-step test series as in the note's
    measurement; D_H depends on the series length): D_stsp <= 1.5, D_H <= 0.15, 2 regions.
    """

    kind = "alrnn.rossler"
    system = "rossler"
    P = param.Integer(1)
    n_test = param.Integer(20_000)
    tau = param.Integer(FAST_CONFIGS["rossler"][1].tau)
    seq_len = param.Integer(FAST_CONFIGS["rossler"][1].seq_len)
    epochs = param.Integer(FAST_CONFIGS["rossler"][1].epochs)
    batches_per_epoch = param.Integer(FAST_CONFIGS["rossler"][1].batches_per_epoch)
    batch_size = param.Integer(FAST_CONFIGS["rossler"][1].batch_size)
    start_lr = param.Number(FAST_CONFIGS["rossler"][1].start_lr)
    end_lr = param.Number(FAST_CONFIGS["rossler"][1].end_lr)
    noise = param.Number(FAST_CONFIGS["rossler"][1].noise)
    alpha = param.Number(FAST_CONFIGS["rossler"][1].alpha)
    eval_every = param.Integer(FAST_CONFIGS["rossler"][1].eval_every)


class FitExperiment(_SingleReconstruction):
    """Fit an AL-RNN to any ``(time, features)`` file (e.g. the authors' ECG set).

    The file is split into a training part (``train_fraction``) and a test part, both
    z-scored with the training statistics. Unset training parameters take the Lorenz-63
    preset; the authors' ECG setting is M=100, P=2, tau=10, seq_len=50, noise=0.01.
    """

    kind = "alrnn.fit"
    eval_steps = param.Integer(20_000)

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
    system_name = param.Selector(default="lorenz63", objects=list(SYSTEMS),
                                 doc="Ground-truth system: its trajectories (unless data is set), "
                                     "training preset and targets.")
    P_values = param.List([0, 1, 2, 3, 4, 5], item_type=int, doc="Numbers of ReLU units to try.")

    def _system_name(self):
        return self.system_name

    def validate(self):
        super().validate()
        if not self.P_values:
            raise ValueError("P_values must hold at least one P in [0, M]")
        for P in self.P_values:
            check_int(P, "P_values", 0, self.M)
        self._check_sizes(self.P_values)

    def execute(self, run, progress):
        train_data, test, _, dt = self.load_data(run.store)
        config = self.train_config()
        sys_ = SYSTEMS[self.system_name]
        rows = []
        n = len(self.P_values)
        for i, P in enumerate(self.P_values):
            if self.stop_event.is_set():
                break
            rec = reconstruct(
                train_data, test, self.M, P, config, seed=self.seed, dt=dt, max_period=1,
                progress=lambda f, msg="", _i=i, _P=P, **kw: progress((_i + f) / n, f"P={_P}: {msg}", **kw),
                should_stop=self.stop_event.is_set)
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
        ok = [int(r[0]) for r in rows if r[1] <= sys_.d_stsp_target and r[2] <= sys_.d_h_target]
        run.metrics["smallest_P"] = min(ok) if ok else None
        run.metrics["table"] = {name: table[:, j].tolist() for j, name in enumerate(names)}
        run.save_figure("p_sweep", p_sweep_figure(table[:, 0], table[:, 1], table[:, 2], table[:, 4],
                                                  table[:, 5]))


EXPERIMENTS = [Lorenz63Experiment, RosslerExperiment, PSweepExperiment, FitExperiment]
