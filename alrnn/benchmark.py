"""The AL-RNN and the shPLRNN behind the workbench's benchmark-model protocol.

``make_alrnn(dataset, quick)`` and ``make_shplrnn(dataset, quick)`` build a model for a
dataset (``name``, ``dim``, ``dt``, ``n_train``, ``n_test``); the model is fitted on the
training array only (:meth:`fit`, checkpoint selection by D_stsp of free runs of the
training series), generates from one test point (``warmup = 1``: row 0 of
:meth:`generate` is ``warmup[-1]`` itself, the state being the observation), predicts
``n`` steps ahead from windows, and codes trajectories by linear subregion.

Sizes follow the authors' settings (Brenner et al. 2024 release settings, ``docs/alrnn.md``
§2.2; Hess et al. 2023 for the shPLRNN): AL-RNN Lorenz-63 M=20, P=2; Rössler M=20, P=1; ECG
M=100, P=2; fMRI M=50, P=2; shPLRNN with M = data dimension, Lorenz-63 H=50 with the
"product upper bound" α, ECG H=250 with constant α=0.3. Budgets are shortened (the authors
train 2 000–5 000 epochs); ``quick`` shortens them further (seconds to a minute per seed on
one core).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from workbench.validation import check_array, check_int

from .block import ALRNNFamily
from .population import TrainingDiverged, train_population
from .recipe import AUTHORS_CONFIGS, FAST_CONFIGS, TrainConfig
from .shplrnn import ShPLRNNFamily, region_codes
from .symbolic import symbol_sequence

__all__ = ["BenchmarkALRNN", "BenchmarkShPLRNN", "alrnn_setup", "make_alrnn", "make_shplrnn",
           "shplrnn_setup"]


def _fit_to(config: TrainConfig, n_train: int) -> TrainConfig:
    """The recipe shrunk to a short training series (windows, evaluation length)."""
    seq_len = min(config.seq_len, max(2, n_train // 4))
    pe_steps = min(config.pe_steps, max(1, n_train // 10))
    eval_steps = config.eval_steps
    if eval_steps is not None and eval_steps > n_train:
        eval_steps = None
    pe_points = config.pe_points if config.pe_points is None or config.pe_points <= n_train else None
    return config.replace(seq_len=seq_len, pe_steps=pe_steps, eval_steps=eval_steps, pe_points=pe_points)


#: Benchmark recipes of the AL-RNN per dataset: (M, P, full recipe, quick changes).
_ALRNN = {
    # The leaderboard's recipe: four initialisations, the authors' selection rule (the
    # shortened recipe's defaults before the validation study of ``alrnn/README.md``).
    "lorenz63": (20, 2, FAST_CONFIGS["lorenz63"][1].replace(population=4, select_targets=None),
                 {"epochs": 100, "population": 1, "eval_starts": 1, "eval_steps": 20_000,
                  "pe_points": 5_000}),
    "rossler": (20, 1, FAST_CONFIGS["rossler"][1],
                {"epochs": 30, "eval_steps": 10_000, "pe_points": 5_000}),
    "ecg": (100, 2, AUTHORS_CONFIGS["ecg"][1].replace(epochs=200, eval_every=20, eval_steps=20_000,
                                                      pe_points=10_000, start_lr=3e-3),
            {"epochs": 10, "eval_every": 5, "eval_steps": 10_000, "pe_points": 2_000}),
    "fmri": (50, 2, AUTHORS_CONFIGS["fmri"][1].replace(epochs=500, eval_every=25),
             {"epochs": 40, "eval_every": 10}),
}

#: Benchmark recipes of the shPLRNN per dataset: (H, alpha method, full recipe, quick changes).
_SHPLRNN_BASE = TrainConfig(epochs=400, batches_per_epoch=50, batch_size=16, seq_len=200, alpha=1.0,
                            start_lr=1e-3, end_lr=1e-6, noise=0.0, eval_every=25, eval_steps=None,
                            pe_points=10_000)
_SHPLRNN = {
    "lorenz63": (50, "product_upper_bound", _SHPLRNN_BASE,
                 {"epochs": 30, "eval_every": 10, "eval_steps": 20_000, "pe_points": 5_000,
                  "start_lr": 5e-3, "end_lr": 1e-4}),
    "rossler": (50, "product_upper_bound", _SHPLRNN_BASE.replace(seq_len=300),
                {"epochs": 30, "eval_every": 10, "eval_steps": 10_000, "pe_points": 5_000,
                 "start_lr": 5e-3, "end_lr": 1e-4}),
    "ecg": (250, "constant", _SHPLRNN_BASE.replace(alpha=0.3, epochs=200, eval_every=20, eval_steps=20_000,
                                                   n_bins=8),
            {"epochs": 10, "eval_every": 5, "eval_steps": 10_000, "pe_points": 2_000}),
    "fmri": (100, "product_upper_bound", _SHPLRNN_BASE.replace(seq_len=72, epochs=500, n_bins=8,
                                                               smoothing=1.0, start_lr=5e-3, end_lr=1e-5),
             {"epochs": 40, "eval_every": 10}),
}


def alrnn_setup(name: str, dim: int, n_train: int, quick: bool = False):
    """``(M, P, config)`` of the AL-RNN for a dataset.

    Known datasets use the authors' sizes; any other uses :math:`M = \\max(20, 2.5\\,d)`,
    :math:`P = 2` and the Lorenz-63 recipe (8 D_stsp bins above 3 dimensions).
    """
    if name in _ALRNN:
        M, P, config, quick_changes = _ALRNN[name]
    else:
        M, P = max(20, int(2.5 * dim)), 2
        config, quick_changes = _ALRNN["lorenz63"][2:]
        config = config.replace(n_bins=30 if dim <= 3 else 8)
    M = max(M, dim + P)
    config = config.replace(**quick_changes) if quick else config
    return M, P, _fit_to(config, n_train)


#: Epochs over which the GTF code anneals α (its default run: 5 000 epochs).
_GTF_EPOCHS = 5000


def shplrnn_setup(name: str, dim: int, n_train: int, quick: bool = False):
    """``(M, H, alpha_method, alpha_decay, config)`` of the shPLRNN for a dataset.

    M is the data dimension. Unknown datasets: :math:`H = \\max(50, 10 d)` with the
    "product upper bound" α. The annealing factor keeps the GTF code's horizon relative to
    the (shortened) budget: :math:`\\gamma = 0.999^{5000/E}` for E epochs (0.999 at the
    authors' 5 000).
    """
    if name in _SHPLRNN:
        H, method, config, quick_changes = _SHPLRNN[name]
    else:
        H, method = max(50, 10 * dim), "product_upper_bound"
        config, quick_changes = _SHPLRNN["lorenz63"][2:]
        config = config.replace(n_bins=30 if dim <= 3 else 8)
    config = config.replace(**quick_changes) if quick else config
    return dim, H, method, 0.999 ** (_GTF_EPOCHS / config.epochs), _fit_to(config, n_train)


@partial(jax.jit, static_argnames=("family", "n"))
def _ahead(family, params, x0, n):
    """Observations 1..n steps after each row of ``x0``: (n, B, N)."""
    return family.observe(params, x0, n + 1)[1:]


class _Adapter:
    """What both models share: fit on the training array, generate, predict."""

    warmup = 1

    def __init__(self, dataset, family, config: TrainConfig):
        self.dataset_name = str(dataset.name)
        self.dim = check_int(dataset.dim, "dataset.dim", 1, None)
        self.family, self.config = family, config
        self.model = None
        self._last = None            # (observed run, latent run) of the last generate()

    def fit(self, train, seed, progress=None) -> dict:
        """Train on ``train`` (T, d) with ``seed``; raises :class:`TrainingDiverged`."""
        train = check_array(train, "train", ndim=2, shape=(None, self.dim),
                            min_length=self.config.seq_len + 1)
        seed = check_int(seed, "seed", 0, None)
        (res,) = train_population(train, self.family, self.config, [seed], progress=progress)
        if isinstance(res, TrainingDiverged):
            raise res
        self.model = res.model
        return {"model": self.family.name, **self.sizes(), "epochs": int(res.history["epoch"][-1]),
                "best_epoch": int(res.best_epoch), "train_seconds": float(res.seconds),
                "status": res.status, "final_loss": float(res.history["loss"][-1]),
                **{f"train_{k}": float(v) for k, v in res.best_metrics.items()},
                "selection": "lowest D_stsp of free runs on the training series"}

    def _check_fitted(self):
        if self.model is None:
            raise ValueError("the model must be fitted first (call fit(train, seed))")

    def generate(self, warmup, n_steps) -> np.ndarray:
        """Free run from ``warmup[-1]`` (row 0 is that point), (n_steps, d) float64."""
        self._check_fitted()
        warmup = check_array(warmup, "warmup", ndim=2, shape=(None, self.dim), min_length=1)
        Z, X = self.model.generate(warmup[-1], check_int(n_steps, "n_steps", 1, None))
        X = X.astype(np.float64)
        self._last = (X, Z)
        return X

    def predict(self, windows, n) -> np.ndarray:
        """``n``-step-ahead predictions from the last point of each window: (B, n, d)."""
        self._check_fitted()
        windows = check_array(windows, "windows", ndim=3, shape=(None, None, self.dim))
        n = check_int(n, "n", 1, None)
        out = _ahead(self.family, self.model.params, jnp.asarray(windows[:, -1], jnp.float32), n)
        return np.swapaxes(np.asarray(out, np.float64), 0, 1)

    @property
    def n_parameters(self) -> int:
        """Trainable parameters of the model."""
        self._check_fitted()
        return self._count()


class BenchmarkALRNN(_Adapter):
    """The AL-RNN (Brenner et al. 2024) under the benchmark protocol."""

    def __init__(self, dataset, quick=False):
        M, P, config = alrnn_setup(dataset.name, dataset.dim, dataset.n_train, quick)
        super().__init__(dataset, ALRNNFamily(M, P, config.unroll), config)

    def sizes(self):
        return {"M": self.family.M, "P": self.family.P}

    def _count(self):
        M, N = self.model.M, self.model.N
        return 2 * M + M * M + (M - N) * N     # A, h, W and the rows N+1..M of L

    def subregions(self, trajectory) -> np.ndarray:
        """Region code (sign pattern of the P ReLU units) of each step of the latent free
        run that produced ``trajectory`` (the run of :meth:`generate`, or a free run of the
        same length from ``trajectory[0]``)."""
        self._check_fitted()
        trajectory = check_array(trajectory, "trajectory", ndim=2, shape=(None, self.dim), finite=False)
        if self._last is not None and np.array_equal(self._last[0], trajectory, equal_nan=True):
            Z = self._last[1]
        else:
            Z, _ = self.model.generate(trajectory[0], len(trajectory))
        return symbol_sequence(self.model, Z)


class BenchmarkShPLRNN(_Adapter):
    """The clipped shPLRNN with GTF (Hess et al. 2023) under the benchmark protocol."""

    def __init__(self, dataset, quick=False):
        M, H, method, decay, config = shplrnn_setup(dataset.name, dataset.dim, dataset.n_train, quick)
        super().__init__(dataset, ShPLRNNFamily(M, H, method, decay, unroll=config.unroll), config)

    def sizes(self):
        return {"M": self.family.M, "H": self.family.H, "alpha_method": self.family.alpha_method}

    def _count(self):
        return self.model.n_parameters

    def subregions(self, trajectory) -> np.ndarray:
        """Linear region of each state (the latent state is the observation): ids of the
        patterns :math:`(\\mathbb 1[W_2 z > -h_2], \\mathbb 1[W_2 z > 0])`, most visited first."""
        self._check_fitted()
        trajectory = check_array(trajectory, "trajectory", ndim=2, shape=(None, self.dim), finite=False)
        return region_codes(self.model.params, trajectory)


def make_alrnn(dataset, quick: bool = False) -> BenchmarkALRNN:
    """Benchmark factory of the AL-RNN (entry point ``alrnn``)."""
    return BenchmarkALRNN(dataset, quick)


def make_shplrnn(dataset, quick: bool = False) -> BenchmarkShPLRNN:
    """Benchmark factory of the clipped shPLRNN with GTF (entry point ``shplrnn``)."""
    return BenchmarkShPLRNN(dataset, quick)

