"""Side-by-side comparison of stored runs: what differs, and curves labelled by it.

Pure functions of :class:`~workbench.store.RunReader` objects: the pages turn their results
into tables and plots.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .components import scalar_metrics

__all__ = ["comparison_frame", "differing_params", "overlay_curves", "run_labels"]


def _text(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def differing_params(readers) -> list[str]:
    """Names of the parameters (and the seed) whose values are not the same in all runs."""
    keys = sorted({k for r in readers for k in r.params})
    out = [k for k in keys if len({_text(r.params.get(k)) for r in readers}) > 1]
    if len({r.seed for r in readers}) > 1 and "seed" not in out:
        out.append("seed")
    return out


def run_labels(readers) -> dict[str, str]:
    """``{run id: label}``: the parameters that differ between the runs (``"beta=0.8, seed=1"``).

    Runs of different kinds are labelled by kind first; runs that do not differ at all by
    their creation time.
    """
    differ = differing_params(readers)
    kinds = {r.kind for r in readers}
    labels = {}
    for r in readers:
        parts = [r.kind] if len(kinds) > 1 else []
        parts += [f"{k}={_text(r.seed if k == 'seed' else r.params.get(k))}" for k in differ[:4]]
        labels[r.id] = ", ".join(parts) or r.attrs.get("created", r.id)[:19]
    if len(set(labels.values())) < len(labels):  # still ambiguous: add the end of the id
        labels = {rid: f"{lab} ({rid[-6:]})" for rid, lab in labels.items()}
    return labels


def comparison_frame(readers) -> pd.DataFrame:
    """One row per parameter and scalar metric, one column per run; ``differs`` flags rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``section`` (parameter/metric), ``name``, one per run label, ``differs``.
    """
    labels = run_labels(readers)
    rows = []
    for section, getter in (("parameter", lambda r: {**r.params, "seed": r.seed}),
                            ("metric", lambda r: scalar_metrics(r.metrics))):
        values = [getter(r) for r in readers]
        for name in sorted({k for v in values for k in v}):
            cells = [_text(v[name]) if name in v else "—" for v in values]
            rows.append({"section": section, "name": name,
                         **{labels[r.id]: c for r, c in zip(readers, cells)}, "differs": len(set(cells)) > 1})
    columns = ["section", "name", *labels.values(), "differs"]
    frame = pd.DataFrame(rows, columns=columns)
    # what differs first, then parameters before metrics, by name
    return frame.sort_values(["differs", "section", "name"], ascending=[False, False, True], kind="stable",
                             ignore_index=True)


def overlay_curves(readers, max_points: int = 20_000, skip=()) -> dict[str, dict]:
    """1-D arrays stored under the same name in every run: ``{array: {label: (x, y)}}``.

    ``skip`` names arrays not worth overlaying (coordinates such as the delays themselves).
    """
    labels = run_labels(readers)
    common = set(readers[0].arrays) - set(skip)
    for r in readers[1:]:
        common &= set(r.arrays)
    out = {}
    for name in sorted(common):
        curves = {}
        for r in readers:
            shape, dtype = r.array_info(name)
            if len(shape) != 1 or np.dtype(dtype).kind not in "biuf" or shape[0] < 2:
                break
            y = np.asarray(r[name], dtype=float)
            stride = max(1, int(np.ceil(len(y) / max_points)))
            x = np.arange(len(y))[::stride]
            curves[labels[r.id]] = (x, y[::stride])
        else:
            out[name] = curves
    return out
