"""View pieces shared by the pages: experiment forms, job status, run results, messages.

Everything here builds Panel objects from state objects (an :class:`~workbench.experiment.
Experiment`, a :class:`~apps.jobs.Job`, a :class:`~workbench.store.RunReader`); nothing holds
state of its own.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import panel as pn
import param

from workbench.experiment import Experiment

__all__ = [
    "SERVER_PATHS",
    "declaration_order",
    "experiment_form",
    "experiment_title",
    "job_progress",
    "message",
    "metrics_frame",
    "number_widgets",
    "output_title",
    "params_frame",
    "run_figures",
    "scalar_metrics",
]


def experiment_form(experiment: Experiment, exclude=(), name: str | None = None) -> pn.Param:
    """Widgets generated from an experiment's parameter declaration (``pn.Param``).

    Parameters
    ----------
    experiment : Experiment
        The configured experiment; the widgets edit it in place (bidirectional).
    exclude : iterable of str
        Parameters the page sets itself (hidden from the form).
    name : str, optional
        Heading of the form; default the experiment's kind.

    Returns
    -------
    panel.Param
    """
    names = [n for n in experiment.parameter_names() if n not in set(exclude) and n not in SERVER_PATHS]
    return pn.Param(experiment, parameters=names, show_name=True, widgets=number_widgets(experiment, names),
                    name=name or experiment_title(experiment), sizing_mode="stretch_width",
                    sort=declaration_order(type(experiment), first=("seed",)))


def declaration_order(cls, first=()):
    """Sort key for ``pn.Param``: parameters in the order the class composes its groups.

    An experiment ``class E(NetworkParams, TaskParams, Experiment)`` lists the network's
    parameters, then the task's (param itself lists the most basic group first); names in
    ``first`` come before all others.
    """
    mro = list(cls.__mro__)

    def key(item):
        name = item[0]
        if name in first:
            return (0, first.index(name), 0)
        owner = next((i for i, c in enumerate(mro) if name in vars(c)), len(mro))
        names = list(vars(mro[owner])) if owner < len(mro) else []
        return (1, owner, names.index(name) if name in names else 0)

    return key


def experiment_title(experiment) -> str:
    """The first line of the experiment's docstring (its declaration), then its kind."""
    doc = (type(experiment).__doc__ or "").strip().splitlines()
    first = doc[0].strip().rstrip(".") if doc else ""
    return f"{first} · {experiment.kind}" if first else experiment.kind


#: Parameters that name files on the server: never edited from the browser (the pages set
#: them to an uploaded file or a file picked from the served data folder).
SERVER_PATHS = ("data", "data_path", "path", "dataset_path")


def number_widgets(parameterized, names) -> dict:
    """Typed number boxes for the numeric parameters (bounds from the declaration).

    Sliders cannot show an unset value: a parameter whose default is ``None`` ("the
    recipe's default") gets an empty box with that as its placeholder, and a number can be
    typed exactly.
    """
    widgets = {}
    for n in names:
        p = parameterized.param[n]
        if isinstance(p, param.Integer) and not isinstance(p, param.Boolean):
            kind = pn.widgets.IntInput
        elif isinstance(p, param.Number):
            kind = pn.widgets.FloatInput
        else:
            continue
        low, high = p.bounds if p.bounds is not None else (None, None)
        spec = {"type": kind, "placeholder": "recipe default" if p.default is None else ""}
        if low is not None:
            spec["start"] = low
        if high is not None:
            spec["end"] = high
        widgets[n] = spec
    return widgets


def message(text: str | None, kind: str = "danger") -> pn.pane.Alert:
    """A one-line alert (hidden when ``text`` is empty)."""
    return pn.pane.Alert(text or "", alert_type=kind, visible=bool(text), sizing_mode="stretch_width")


def job_progress(job) -> pn.Column:
    """Progress bar and status line bound to a :class:`~apps.jobs.Job`."""
    bar = pn.indicators.Progress(value=pn.bind(lambda p: int(round(100 * p)), job.param.progress),
                                 max=100, sizing_mode="stretch_width", height=18,
                                 active=pn.bind(lambda s: s == "running", job.param.status))

    def status_line(status, msg, run_id):
        text = f"**Status:** {status}"
        if msg and msg != status:
            text += f" — {msg}"
        if run_id:
            text += f" — run `{run_id}`"
        return text

    line = pn.pane.Markdown(pn.bind(status_line, job.param.status, job.param.message, job.param.run_id),
                            margin=(0, 10))
    return pn.Column(bar, line, sizing_mode="stretch_width")


def scalar_metrics(metrics: dict) -> dict:
    """The metrics that are single finite-or-not numbers (lists and dicts left out)."""
    return {k: v for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _fmt(value) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def metrics_frame(metrics: dict) -> pd.DataFrame:
    """Scalar metrics as a two-column table (metric, value)."""
    rows = [(k, _fmt(v)) for k, v in scalar_metrics(metrics).items()]
    return pd.DataFrame(rows, columns=["metric", "value"])


def params_frame(params: dict) -> pd.DataFrame:
    """Run parameters as a two-column table (parameter, value as JSON)."""
    rows = [(k, json.dumps(v) if isinstance(v, (list, dict)) else _fmt(v)) for k, v in sorted(params.items())]
    return pd.DataFrame(rows, columns=["parameter", "value"])


def output_title(registry: dict | None, kind: str, section: str, name: str) -> str:
    """The declared title (figures) or meaning (metrics, arrays) of a run's output.

    Read from the experiment's ``outputs`` declaration; an undeclared name is shown with
    its underscores as spaces.
    """
    cls = (registry or {}).get(kind)
    outputs = getattr(cls, "outputs", None)
    if outputs is not None:
        item = outputs.find(section, name)
        text = getattr(item, "title", None) or getattr(item, "meaning", None)
        if text:
            return text.rstrip(".")
    return name.replace("_", " ")


def run_figures(reader, names=None, width: int = 520, registry: dict | None = None) -> list[pn.pane.PNG]:
    """The PNG figures stored in a run, one pane each (all of them unless ``names``), titled as declared."""
    names = reader.figures if names is None else [n for n in names if n in reader.figures]
    return [pn.Column(pn.pane.Markdown(f"**{output_title(registry, reader.kind, 'figures', n)}**",
                                       margin=(0, 5)),
                      pn.pane.PNG(reader.figure(n), width=width, name=n)) for n in names]
