"""Read what the pages plot out of stored runs (curves, scalars), whatever experiment wrote them.

Experiments name their arrays and metrics themselves; these helpers look a quantity up by a
short list of names so that a page keeps working with any run that records it, and returns
``None`` (the page then shows the run's stored figures only) when it is absent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["first_array", "first_metric", "metric_curve", "run_curve"]


def first_metric(metrics: dict, names: Sequence[str]):
    """The first of ``names`` that is a number in ``metrics`` (``None`` if none is)."""
    for name in names:
        value = metrics.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def first_array(reader, names: Sequence[str], ndim: int | None = None):
    """The first array of ``names`` stored in the run (with ``ndim`` dims if given), or ``None``."""
    for name in names:
        if name in reader:
            arr = np.asarray(reader[name])
            if ndim is None or arr.ndim == ndim:
                return arr
    return None


def run_curve(reader, y_names: Sequence[str], x_names: Sequence[str] = (), metric_names: Sequence[str] = ()):
    """A 1-D curve ``(x, y)`` stored in a run as arrays or as a list metric.

    Parameters
    ----------
    reader : workbench.store.RunReader
        The run.
    y_names : sequence of str
        Candidate names of the values array: 1-D, or 2-D ``(realisation, point)`` averaged
        over its first axis.
    x_names : sequence of str
        Candidate names of its abscissa (an array of the same length); default ``1..len(y)``.
    metric_names : sequence of str
        Candidate metric names holding the values as a list (used when no array matches).

    Returns
    -------
    tuple of numpy.ndarray or None
    """
    y = first_array(reader, y_names)
    if y is not None and y.ndim == 2:
        y = y.mean(axis=0)  # (seed, point): the mean over realisations
    elif y is not None and y.ndim != 1:
        y = None
    if y is None:
        for name in metric_names:
            value = reader.metrics.get(name)
            if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
                y = np.asarray(value, dtype=float)
                break
    if y is None:
        return None
    x = first_array(reader, x_names, ndim=1)
    if x is None or len(x) != len(y):
        x = np.arange(1, len(y) + 1)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def metric_curve(records, x_param: str, y_metrics: Sequence[str]):
    """Points ``(x, y)`` over runs: parameter ``x_param`` against their first metric of ``y_metrics``.

    Parameters
    ----------
    records : iterable of workbench.store.RunRecord
        Runs (e.g. ``store.runs(kind, status="complete")``).
    x_param : str
        Parameter of the runs on the x axis.
    y_metrics : sequence of str
        Candidate metric names on the y axis.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted by x; empty arrays when no run has both.
    """
    pts = []
    for rec in records:
        x = rec.params.get(x_param)
        y = first_metric(rec.metrics, y_metrics)
        if isinstance(x, (int, float)) and not isinstance(x, bool) and y is not None:
            pts.append((float(x), y))
    pts.sort()
    xs = np.array([p[0] for p in pts], dtype=float)
    ys = np.array([p[1] for p in pts], dtype=float)
    return xs, ys
