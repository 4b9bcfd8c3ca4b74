"""One registered experiment, configured in the page and run in the background.

:class:`ExperimentRunner` is the page state (no widgets): the experiment kind, its configured
instance (whose parameters are the only declaration the widgets are generated from), the
:class:`~apps.jobs.Job` that runs it and the store the run goes to. :class:`RunnerControls`
is its view: the generated form, Run and Cancel buttons, the progress bar and the message.
"""

from __future__ import annotations

import panel as pn
import param

from workbench.experiment import Experiment
from workbench.registry import experiments as registered_experiments
from workbench.store import Store

from .components import experiment_form, job_progress, message
from .jobs import Job, describe_error

__all__ = ["ExperimentRunner", "JobContext", "RunnerControls", "StoreContext", "missing_message"]


def missing_message(kind: str, registry: dict) -> str:
    """The message a page shows when experiment ``kind`` is not installed."""
    known = ", ".join(sorted(registry)) or "none"
    return (f"The experiment {kind!r} is not available in this installation "
            f"(its package is missing or failed to load). Available experiments: {known}.")


class StoreContext(param.Parameterized):
    """What every page's state works on: the store and the registered experiments."""

    store = param.ClassSelector(class_=Store, doc="Where runs are written and read.")
    registry = param.Dict(default=None, allow_None=True,
                          doc="{kind: Experiment subclass}; default workbench.registry.experiments().")


class JobContext(StoreContext):
    """A page state that owns one background :class:`~apps.jobs.Job` (its runs, re-runs)."""

    job = param.ClassSelector(class_=Job, constant=True,
                              doc="The state's background job (a run, or a re-run on the Runs page).")


class ExperimentRunner(JobContext):
    """Page state: a configured experiment of one registered ``kind`` and its job."""

    kind = param.String(default="", doc="Registry name of the experiment.")
    experiment = param.ClassSelector(class_=Experiment, default=None, allow_None=True, constant=True,
                                     doc="The configured experiment (None when the kind is missing).")
    unavailable = param.String(default="", constant=True,
                               doc="Why the experiment cannot run (empty if it can).")
    check = param.Callable(default=None, allow_None=True,
                           doc="Called before a run starts; raises ValueError when the page is not ready.")

    def __init__(self, **params):
        params.setdefault("job", Job())
        super().__init__(**params)
        if self.registry is None:
            self.registry = registered_experiments()
        self._load_kind()

    @param.depends("kind", watch=True)
    def _load_kind(self) -> None:
        cls = self.registry.get(self.kind)
        with param.edit_constant(self):
            if cls is None:
                self.param.update(experiment=None, unavailable=missing_message(self.kind, self.registry))
            else:
                self.param.update(experiment=cls(), unavailable="")

    def configure(self, **values) -> None:
        """Set parameters of the experiment (``ValueError`` naming a bad one)."""
        if self.experiment is None:
            raise ValueError(self.unavailable)
        try:
            self.experiment.param.update(**values)
        except (ValueError, TypeError) as exc:
            raise ValueError(str(exc)) from None

    def start(self):
        """Validate and run a copy of the experiment in the background.

        The copy is what runs, so editing the form during a run changes nothing in it.

        Returns
        -------
        concurrent.futures.Future

        Raises
        ------
        ValueError
            When the experiment is missing or its parameters are rejected (nothing is run).
        """
        if self.experiment is None:
            raise ValueError(self.unavailable)
        if self.job.running:
            raise ValueError("a run is already in progress; wait for it or cancel it")
        if self.check is not None:
            self.check()
        copy = type(self.experiment).from_params(self.experiment.to_params())
        return self.job.run_experiment(copy, self.store)

    def reader(self):
        """The run the job produced (``None`` before one completed, or when the runner has
        since switched to another experiment: a run of another kind is not this runner's)."""
        if not self.job.run_id:
            return None
        try:
            reader = self.store.open(self.job.run_id)
        except KeyError:
            return None
        return reader if reader.kind == self.kind else None

    def history(self, status: str = "complete"):
        """Records of earlier runs of this kind in the store, newest first."""
        return self.store.runs(kind=self.kind, status=status) if self.kind else []


class RunnerControls(pn.viewable.Viewer):
    """Form generated from the experiment's parameters, Run/Cancel, progress and errors.

    Parameters
    ----------
    runner : ExperimentRunner
        The state it shows and drives.
    exclude : tuple of str
        Parameters hidden from the form.
    run_label : str
        Text of the Run button.
    """

    def __init__(self, runner: ExperimentRunner, exclude=(), run_label: str = "Run", **params):
        super().__init__(**params)
        self.runner = runner
        self.exclude = tuple(exclude)
        self.error = message(None)
        self.run_button = pn.widgets.Button(label=run_label, color="primary", min_width=120,
                                            sizing_mode="stretch_width")
        self.cancel_button = pn.widgets.Button(label="Cancel", color="warning", width=90,
                                               disabled=not runner.job.running)
        self.run_button.on_click(self._on_run)
        self.cancel_button.on_click(lambda event: self.runner.job.cancel())
        self._form = pn.Column(sizing_mode="stretch_width")
        runner.param.watch(self._rebuild_form, ["experiment"])
        runner.job.param.watch(self._on_status, ["status", "error"])
        self._rebuild_form()
        self._on_status()

    def _rebuild_form(self, *events) -> None:
        exp = self.runner.experiment
        if exp is None:
            self._form.objects = [message(self.runner.unavailable, "warning")]
            self.run_button.disabled = True
        else:
            self._form.objects = [experiment_form(exp, exclude=self.exclude)]
            self.run_button.disabled = self.runner.job.running

    def show_error(self, text: str | None) -> None:
        """Show (or hide, with ``None``) the one-line error."""
        self.error.param.update(object=text or "", visible=bool(text))

    def _on_run(self, event) -> None:
        try:
            self.runner.start()
        except ValueError as exc:
            self.show_error(describe_error(exc))
            return
        self.show_error(None)

    def _on_status(self, *events) -> None:
        job = self.runner.job
        running = job.status == "running"
        self.run_button.disabled = running or self.runner.experiment is None
        self.cancel_button.disabled = not running
        if job.status == "failed":
            self.error.alert_type = "danger"
            self.show_error(job.error or "the run failed")
        elif job.status == "cancelled":
            self.error.alert_type = "warning"
            self.show_error(job.error or job.message)
        elif running:
            self.error.alert_type = "danger"
            self.show_error(None)

    def __panel__(self):
        return pn.Column(self._form, pn.Row(self.run_button, self.cancel_button),
                         job_progress(self.runner.job), self.error, sizing_mode="stretch_width")
