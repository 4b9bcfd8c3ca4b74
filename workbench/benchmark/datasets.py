"""Benchmark datasets, each declared once with its evaluation protocol.

Built-in datasets (files from ``WORKBENCH_DATA_DIR``, else ``../shared/data`` relative to the
working directory or to the repository):

- ``lorenz63``: the ICML 2023 files of Hess et al. ("Generalized Teacher Forcing for Learning
  Chaotic Dynamics"): train on ``gtf-icml2023/lorenz63_on0.05_train.npy`` (5 % observation
  noise), test on the separate clean ``lorenz63_test.npy`` (100 000 × 3 each, dt = 0.01).
- ``rossler``: :func:`workbench.systems.rossler` (a = b = 0.2, c = 5.7, dt = 0.08, z-scored),
  train and test integrated from different random initial states (seeds 1 and 2).
- ``ecg``: ``gtf-icml2023/ECG_pecuzal_5d_train.npy`` / ``_test.npy`` (100 000 × 5, real ECG in
  a PECUZAL delay embedding); D_stsp with 30 bins per dimension, σ = 20, PE(20): the
  measures of the lab's Table 1 ECG script (binning below 6 dimensions, as its
  ``decide_on_measure``).
- ``fmri``: ``alrnn-dsr/fmri.npy`` (360 × 20). It ships as one series, so it is split in time:
  the first 288 steps (80 %) train, the last 72 test. A held-out continuation is the only
  split that keeps a contiguous training series and still tests a free run on unseen data;
  the test is short, so the D_H smoothing is small (σ = 2) and the data floor tells how far
  the scores can go. D_stsp: GMM (σ² = 1, data z-scored), as the AL-RNN paper does for fMRI.
- user data ``NAME=TRAIN.npy[:TEST.npy]`` (:func:`parse_data_spec`): without TEST the last
  20 % of TRAIN is the test part; D_stsp bins (30 per dimension) up to 3-D, GMM above.

The protocol (:mod:`workbench.benchmark.evaluate`) is the GTF one: each model generates from
the first W test points for ``transient + n_test`` steps; the first ``transient`` are dropped
(0 for every built-in: the runs start on the attractor, from a test point) and the rest are
compared with the whole test series.

Test data are read only by the final evaluation: :meth:`Dataset.train` hands out training
data; the test series is reachable only through :func:`read_test`, which refuses any caller
outside :mod:`workbench.benchmark.evaluate` and counts its reads (:func:`reads_of_test_data`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .protocol import DatasetInfo

__all__ = ["BUILTIN", "Dataset", "data_dir", "get_dataset", "parse_data_spec", "read_test",
           "reads_of_test_data"]

_EVALUATOR = "workbench.benchmark.evaluate"
_READS: list[str] = []
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


def data_dir() -> Path:
    """The directory of the benchmark files.

    ``$WORKBENCH_DATA_DIR`` if set, else the first of ``./../shared/data`` (relative to the
    working directory) and ``<repository>/../shared/data`` that exists.

    Raises
    ------
    FileNotFoundError
        Naming the places searched and how to point at the data.
    """
    env = os.environ.get("WORKBENCH_DATA_DIR")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"WORKBENCH_DATA_DIR={env!r} is not a directory")
        return path
    candidates = [Path.cwd().parent / "shared" / "data",
                  Path(__file__).resolve().parents[2].parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError("benchmark data not found: set WORKBENCH_DATA_DIR to the folder holding "
                            "gtf-icml2023/ and alrnn-dsr/ (looked in "
                            + ", ".join(str(p) for p in candidates) + ")")


def _load_file(path: Path, what: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{what} {str(path)!r} cannot be read as .npy: {exc}") from None
    arr = np.asarray(arr, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} {str(path)!r} must be a finite (T, d) array, got shape {arr.shape}")
    return arr


@lru_cache(maxsize=4)
def _rossler(seed: int, n_steps: int) -> np.ndarray:
    from workbench.systems import rossler

    arr = rossler(n_steps, dt=0.08, seed=seed)
    arr.flags.writeable = False   # cached: shared by every caller in this process
    return arr


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset and the protocol it is scored with.

    Attributes
    ----------
    name, dim, dt, n_train, n_test, noisy
        As in :class:`~workbench.benchmark.protocol.DatasetInfo`.
    transient : int
        Generated steps dropped before scoring; the model generates ``transient + n_test``.
    stsp : {"bins", "gmm"}
        D_stsp estimator (:func:`workbench.metrics.state_space_divergence`).
    n_bins : int
        Bins per dimension (``stsp="bins"``).
    sigma2 : float
        GMM variance (``stsp="gmm"``).
    smoothing : float
        D_H spectrum smoothing σ in frequency bins.
    pe_horizon : int
        n of PE(n).
    pe_starts : int
        At most this many test windows, evenly spaced, start the PE(n) predictions.
    lyap_points : int or None
        λ_max (Rosenstein) on the first this many scored points; None: not computed.
    description : str
        One line shown in reports.
    """

    name: str
    dim: int
    dt: float | None
    n_train: int
    n_test: int
    noisy: bool
    transient: int
    stsp: str
    n_bins: int
    sigma2: float
    smoothing: float
    pe_horizon: int
    pe_starts: int
    lyap_points: int | None
    description: str
    spec: str = ""
    _train: Callable[[], np.ndarray] = field(default=lambda: _no_loader(), repr=False, compare=False)
    _test: Callable[[], np.ndarray] = field(default=lambda: _no_loader(), repr=False, compare=False)

    @property
    def info(self) -> DatasetInfo:
        """What a model factory is told (no test data)."""
        return DatasetInfo(self.name, self.dim, self.dt, self.n_train, self.n_test, self.noisy)

    @property
    def n_generate(self) -> int:
        """Steps every model generates: ``transient + n_test``."""
        return self.transient + self.n_test

    def protocol(self) -> dict:
        """The declared protocol as a JSON-able dict (printed and stored with each run)."""
        stsp = (f"bins ({self.n_bins} per dimension)" if self.stsp == "bins"
                else f"GMM (sigma^2 = {self.sigma2:g})")
        return {"dataset": self.name, "dim": self.dim, "dt": self.dt, "n_train": self.n_train,
                "n_test": self.n_test, "n_generate": self.n_generate, "transient": self.transient,
                "d_stsp": stsp, "d_h_smoothing": self.smoothing, "pe_horizon": self.pe_horizon,
                "pe_starts": self.pe_starts, "lyap_points": self.lyap_points}

    def train(self) -> np.ndarray:
        """The training array (T, d), float."""
        arr = self._train()
        if arr.shape != (self.n_train, self.dim):
            raise RuntimeError(f"dataset {self.name!r}: training data changed shape to {arr.shape}")
        return arr


def _no_loader() -> np.ndarray:
    """The loader of a dataset declared without one."""
    raise RuntimeError("this dataset was declared without a loader for its data")


def read_test(dataset: Dataset) -> np.ndarray:
    """The test array of ``dataset``: for the final evaluation only.

    Raises
    ------
    PermissionError
        When called from anywhere but :mod:`workbench.benchmark.evaluate`.
    """
    caller = sys._getframe(1).f_globals.get("__name__")
    if caller != _EVALUATOR:
        raise PermissionError(f"test data of {dataset.name!r} are read only by the final evaluation "
                              f"({_EVALUATOR}), not by {caller}")
    _READS.append(dataset.name)
    arr = dataset._test()
    if arr.shape != (dataset.n_test, dataset.dim):
        raise RuntimeError(f"dataset {dataset.name!r}: test data changed shape to {arr.shape}")
    return arr


def reads_of_test_data() -> list[str]:
    """Names of the datasets whose test array was read in this process, one per read."""
    return list(_READS)


def _file_dataset(name, train_rel, test_rel, **protocol) -> Callable[[], Dataset]:
    def build() -> Dataset:
        root = data_dir()
        train_path, test_path = root / train_rel, root / test_rel
        for p in (train_path, test_path):
            if not p.is_file():
                raise FileNotFoundError(f"dataset {name!r} needs {p} (data folder {root})")
        n_train, dim = _npy_shape(train_path, "training file")
        n_test, _ = _npy_shape(test_path, "test file")
        return Dataset(name=name, dim=dim, n_train=n_train, n_test=n_test, spec=name,
                       _train=lambda: _load_file(train_path, "training file"),
                       _test=lambda: _load_file(test_path, "test file"), **protocol)
    return build


def _fmri() -> Dataset:
    path = data_dir() / "alrnn-dsr" / "fmri.npy"
    if not path.is_file():
        raise FileNotFoundError(f"dataset 'fmri' needs {path}")
    n, dim = _npy_shape(path, "fmri file")
    n_train = int(round(0.8 * n))
    return Dataset(name="fmri", dim=dim, dt=None, n_train=n_train, n_test=n - n_train, noisy=True,
                   transient=0, stsp="gmm", n_bins=30, sigma2=1.0, smoothing=2.0, pe_horizon=3,
                   pe_starts=1000, lyap_points=None, spec="fmri",
                   description="human fMRI, 20 regions (AL-RNN paper); first 80 % train, last 20 % test",
                   _train=lambda: _load_file(path, "fmri file")[:n_train],
                   _test=lambda: _load_file(path, "fmri file")[n_train:])


def _rossler_dataset() -> Dataset:
    n = 50_000
    return Dataset(name="rossler", dim=3, dt=0.08, n_train=n, n_test=n, noisy=False, transient=0,
                   stsp="bins", n_bins=30, sigma2=1.0, smoothing=20.0, pe_horizon=20,
                   pe_starts=1000, lyap_points=20_000, spec="rossler",
                   description="Rössler (a=b=0.2, c=5.7), dt 0.08, z-scored; train seed 1, test seed 2",
                   _train=lambda: _rossler(1, n), _test=lambda: _rossler(2, n))


#: Built-in datasets by name: each value builds the :class:`Dataset` (files checked then).
BUILTIN: dict[str, Callable[[], Dataset]] = {
    "lorenz63": _file_dataset(
        "lorenz63", "gtf-icml2023/lorenz63_on0.05_train.npy", "gtf-icml2023/lorenz63_test.npy",
        dt=0.01, noisy=True, transient=0, stsp="bins", n_bins=30, sigma2=1.0, smoothing=20.0,
        pe_horizon=20, pe_starts=1000, lyap_points=20_000,
        description="Lorenz-63, dt 0.01; noisy (5 %) train, separate clean test (Hess et al. 2023)"),
    "rossler": _rossler_dataset,
    "ecg": _file_dataset(
        "ecg", "gtf-icml2023/ECG_pecuzal_5d_train.npy", "gtf-icml2023/ECG_pecuzal_5d_test.npy",
        dt=None, noisy=True, transient=0, stsp="bins", n_bins=30, sigma2=1.0, smoothing=20.0,
        pe_horizon=20, pe_starts=1000, lyap_points=20_000,
        description="ECG (PPG-DaLiA), 5-d PECUZAL embedding, 100 000 train / 100 000 test"),
    "fmri": _fmri,
}


def _npy_shape(path: Path, what: str) -> tuple[int, int]:
    """Shape from the .npy header only (the data are not read)."""
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)
            shape, _, _ = reader(fh)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{what} {str(path)!r} is not a readable .npy file ({exc})") from None
    if len(shape) == 1:
        shape = (shape[0], 1)
    if len(shape) != 2 or shape[0] < 2 or shape[1] < 1:
        raise ValueError(f"{what} {str(path)!r} must hold a (T, d) array, got shape {shape}")
    return int(shape[0]), int(shape[1])


def _inferred_protocol(n_test: int, dim: int) -> dict:
    return {"transient": 0, "stsp": "bins" if dim <= 3 else "gmm", "n_bins": 30, "sigma2": 1.0,
            "smoothing": float(np.clip(n_test / 5000.0, 1.0, 20.0)),
            "pe_horizon": int(min(20, max(1, n_test // 20))), "pe_starts": 1000,
            "lyap_points": min(n_test, 20_000) if n_test >= 1000 else None}


def parse_data_spec(spec: str) -> Dataset:
    """A user dataset from ``NAME=TRAIN.npy[:TEST.npy]``.

    Without TEST the last 20 % of TRAIN is the test part. The protocol is inferred: D_stsp
    with 30 bins per dimension up to 3-D and the GMM (σ² = 1) above; D_H smoothing
    ``clip(n_test / 5000, 1, 20)`` bins (20 for the lab's 100 000-step series); PE horizon
    ``min(20, n_test // 20)``; no transient.

    Raises
    ------
    ValueError
        Naming ``--data`` and what is wrong (syntax, name, missing file, shapes).
    """
    if not isinstance(spec, str) or "=" not in spec:
        raise ValueError(f"--data expects NAME=TRAIN.npy[:TEST.npy], got {spec!r}")
    name, _, files = spec.partition("=")
    name = name.strip()
    if not _NAME.match(name):
        raise ValueError(f"--data name {name!r} must start with a letter and hold only letters, "
                         "digits and _ (at most 40)")
    if name in BUILTIN:
        raise ValueError(f"--data name {name!r} is a built-in dataset; choose another name")
    train_s, _, test_s = files.partition(":")
    if not train_s.strip():
        raise ValueError(f"--data {spec!r}: TRAIN.npy is missing")
    train_path = Path(train_s.strip()).expanduser().resolve()
    test_path = Path(test_s.strip()).expanduser().resolve() if test_s.strip() else None
    for p, what in ((train_path, "TRAIN"), (test_path, "TEST")):
        if p is not None and not p.is_file():
            raise ValueError(f"--data {name}: {what} file {str(p)!r} does not exist")
    n, dim = _npy_shape(train_path, f"--data {name}: TRAIN")
    if test_path is None:
        n_test = n // 5
        n_train = n - n_test
        if n_test < 50 or n_train < 50:
            raise ValueError(f"--data {name}: TRAIN needs >= 250 rows to split off 20 % as test, got {n}")
        train = lambda: _load_file(train_path, "TRAIN file")[:n_train]  # noqa: E731
        test = lambda: _load_file(train_path, "TRAIN file")[n_train:]  # noqa: E731
    else:
        n_train = n
        n_test, tdim = _npy_shape(test_path, f"--data {name}: TEST")
        if tdim != dim:
            raise ValueError(f"--data {name}: TEST has {tdim} columns, TRAIN has {dim}")
        if n_train < 50 or n_test < 50:
            raise ValueError(f"--data {name}: TRAIN and TEST need >= 50 rows each, got {n_train} "
                             f"and {n_test}")
        train = lambda: _load_file(train_path, "TRAIN file")  # noqa: E731
        test = lambda: _load_file(test_path, "TEST file")  # noqa: E731
    split = "given TEST file" if test_path else "last 20 % of TRAIN"
    canonical = f"{name}={train_path}" + (f":{test_path}" if test_path else "")
    return Dataset(name=name, dim=dim, dt=None, n_train=n_train, n_test=n_test, noisy=True,
                   description=f"user data {train_path.name} ({split})", spec=canonical,
                   _train=train, _test=test, **_inferred_protocol(n_test, dim))


def get_dataset(name_or_spec: str) -> Dataset:
    """A built-in dataset by name, or a user dataset from ``NAME=TRAIN.npy[:TEST.npy]``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the built-ins) or a bad spec.
    FileNotFoundError
        When the data folder or a file of a built-in dataset is missing.
    """
    if "=" in name_or_spec:
        return parse_data_spec(name_or_spec)
    if name_or_spec not in BUILTIN:
        raise ValueError(f"unknown dataset {name_or_spec!r}; known: {', '.join(BUILTIN)} "
                         "(or --data NAME=TRAIN.npy[:TEST.npy])")
    return BUILTIN[name_or_spec]()


def with_protocol(dataset: Dataset, **changes) -> Dataset:
    """A copy of ``dataset`` with protocol fields changed (tests and studies of the protocol)."""
    return replace(dataset, **changes)
