"""Data handling for AL-RNN reconstructions: loading series, z-scoring, true fixed points."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from workbench.validation import check_array, check_probability, check_range

__all__ = [
    "load_series",
    "lorenz63_fixed_points",
    "rossler_fixed_points",
    "split_series",
    "zscore",
]

SUFFIXES = (".npy", ".csv")


def load_series(path):
    """Load a ``(time, features)`` series from a ``.npy`` or ``.csv`` file.

    CSV files are comma separated; a first row that is not numeric is taken as a header.
    A 1-D array is read as one feature.

    Returns
    -------
    numpy.ndarray (T, N), float64, finite
    """
    p = Path(str(path)).expanduser()
    if p.suffix.lower() not in SUFFIXES:
        raise ValueError(f"data must be a .npy or .csv file, got {str(path)!r}")
    if not p.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist")
    if p.suffix.lower() == ".npy":
        raw = np.load(p, allow_pickle=False)
    else:
        raw = _load_csv(p)
    x = check_array(raw, "data", ndim=(1, 2), min_length=2)
    return x[:, None] if x.ndim == 1 else x


def _load_csv(p):
    with open(p) as fh:
        first = fh.readline()
    try:
        [float(v) for v in first.strip().split(",")]
        skip = 0
    except ValueError:
        skip = 1
    return np.loadtxt(p, delimiter=",", skiprows=skip, ndmin=2)


def zscore(x, mean=None, std=None):
    """Standardise per feature, :math:`(x - \\mu) / \\sigma` (``docs/alrnn.md`` §2.3).

    Parameters
    ----------
    x : array (T, N)
    mean, std : array (N,), optional
        Statistics to use (default: those of ``x``).

    Returns
    -------
    z : numpy.ndarray (T, N)
    mean, std : numpy.ndarray (N,)
    """
    x = check_array(x, "x", ndim=2, min_length=2)
    mean = x.mean(axis=0) if mean is None else check_array(mean, "mean", shape=(x.shape[1],))
    std = x.std(axis=0) if std is None else check_array(std, "std", shape=(x.shape[1],))
    if np.any(std <= 0):
        raise ValueError("x must vary in every feature (std > 0) to be z-scored")
    return (x - mean) / std, mean, std


def split_series(x, train_fraction):
    """First ``train_fraction`` of the rows for training, the rest for testing."""
    x = check_array(x, "x", ndim=2, min_length=2)
    check_probability(train_fraction, "train_fraction", open_interval=True)
    n = int(round(train_fraction * len(x)))
    if n < 1 or n >= len(x):
        raise ValueError(f"train_fraction={train_fraction} leaves an empty part of {len(x)} rows")
    return x[:n], x[n:]


def lorenz63_fixed_points(sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """Equilibria of Lorenz-63: the origin and :math:`C_\\pm = (\\pm q, \\pm q, \\rho-1)`,
    :math:`q = \\sqrt{\\beta(\\rho-1)}` (for :math:`\\rho > 1`).

    Returns
    -------
    numpy.ndarray (k, 3)
    """
    check_range(rho, "rho", 1, None, low_inclusive=False)
    q = math.sqrt(beta * (rho - 1))
    return np.array([[0.0, 0.0, 0.0], [q, q, rho - 1], [-q, -q, rho - 1]])


def rossler_fixed_points(a=0.2, b=0.2, c=5.7):
    """Equilibria of the Rössler system, :math:`x_\\pm = (c \\pm \\sqrt{c^2 - 4ab})/2`,
    :math:`(x, -x/a, x/a)`; the inner one (minus sign) first. Requires :math:`c^2 > 4ab`.

    Returns
    -------
    numpy.ndarray (2, 3)
    """
    disc = c * c - 4 * a * b
    check_range(disc, "c**2 - 4ab", 0, None, low_inclusive=False)
    xs = [(c - math.sqrt(disc)) / 2, (c + math.sqrt(disc)) / 2]
    return np.array([[x, -x / a, x / a] for x in xs])
