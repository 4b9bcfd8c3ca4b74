"""The ``workbench`` command.

Sub-commands: ``run``, ``experiments``, ``ls``, ``show``, ``gc``, ``verify``, ``sweep``, ``reproduce``.
Packages above ``workbench`` add commands through the entry-point group
``workbench.commands`` (e.g. ``apps`` adds ``serve``), so this module never imports them.

Bad input (unknown experiment, unknown parameter, out-of-range value, unreadable config)
prints one line ``error: ...`` and exits with status 2; nothing is written to the store.
"""

from __future__ import annotations

import json
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .experiment import RunFailedError, parse_bytes
from .registry import experiments, get_experiment

if TYPE_CHECKING:
    from .store import Store

__all__ = ["main", "parse_assignments", "load_config"]

#: Exit status for rejected input.
EXIT_BAD_INPUT = 2

#: ``--config`` files larger than this are refused unread (a parameter file is a few lines).
MAX_CONFIG_BYTES = 1 << 20


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Parse ``key=value`` strings into a dict (values stay strings)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects key=value, got {item!r}")
        out[key.strip()] = value
    return out


def load_config(path: str | Path | None) -> dict:
    """Read a TOML parameter file (a flat table of parameter values)."""
    if path is None:
        return {}
    try:
        if Path(path).exists() and not Path(path).is_file():
            raise ValueError(f"--config {str(path)!r} must be a regular file")
        if Path(path).is_file() and Path(path).stat().st_size > MAX_CONFIG_BYTES:
            raise ValueError(f"--config {str(path)!r} is larger than 1 MiB; refused unread")
        with open(path, "rb") as fh:
            text = fh.read(MAX_CONFIG_BYTES + 1)
        if len(text) > MAX_CONFIG_BYTES:
            raise ValueError(f"--config {str(path)!r} is larger than 1 MiB; refused")
        data = tomllib.loads(text.decode("utf-8"))
    except OSError as exc:
        raise ValueError(f"--config {str(path)!r} cannot be read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"--config {str(path)!r} is not valid TOML: {exc}") from None
    return data.get("params", data) if isinstance(data.get("params"), dict) else data


def _progress_bar(desc: str):
    """A tqdm bar driven by the experiments' ``progress(fraction, message, **scalars)``."""
    from tqdm.auto import tqdm

    bar = tqdm(total=1000, desc=desc, unit="‰", leave=False, disable=None,
               bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}")

    def progress(fraction, message="", **scalars):
        target = int(round(1000 * min(max(float(fraction), 0.0), 1.0)))
        if target > bar.n:
            bar.update(target - bar.n)
        shown = {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in scalars.items()}
        if message:
            shown = {"": message, **shown}
        if shown:
            bar.set_postfix(shown, refresh=False)

    return bar, progress


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neuro-workbench")
def main():
    """Neuro-inspired reservoir and sparse-coding workbench."""


_STORAGE_OPTIONS_KEY = "workbench.storage_options"


def _remember_storage_options(ctx, param, value):
    ctx.meta[_STORAGE_OPTIONS_KEY] = tuple(value or ())
    return value


_store_path_option = click.option("--store", "store_path", default=None, metavar="PATH",
                                  help="Store path or fsspec URL "
                                       "(default $WORKBENCH_STORE or ./workbench.zarr).")
_storage_option = click.option("--storage-option", multiple=True, metavar="KEY=VALUE", expose_value=False,
                               callback=_remember_storage_options,
                               help="fsspec storage option of the store, e.g. endpoint_url=http://host:9000 "
                                    "(repeatable; dotted keys nest; default $WORKBENCH_STORAGE_OPTIONS).")


def store_option(func):
    """``--store PATH`` and ``--storage-option KEY=VALUE`` (read by :func:`_open_store`)."""
    return _store_path_option(_storage_option(func))


def _open_store(path, must_exist: bool = False) -> Store:
    """The store of ``--store``/``--storage-option``; one ``error:`` line and exit 2 when it
    cannot be opened (or, with ``must_exist``, does not exist: nothing is created)."""
    from .store import Store, parse_storage_options, storage_options_from_env  # zarr is slow to import

    ctx = click.get_current_context(silent=True)
    items = ctx.meta.get(_STORAGE_OPTIONS_KEY, ()) if ctx is not None else ()
    try:
        options = {**storage_options_from_env(), **parse_storage_options(items)} if items else None
        store = Store(path, storage_options=options)
        if must_exist:
            store.require_exists()
        return store
    except (ValueError, OSError) as exc:
        _fail(str(exc))


def build_experiment(name: str, assignments=(), config=None):
    """The experiment ``name`` built from a TOML config and ``key=value`` overrides."""
    cls = get_experiment(name)
    values = load_config(config)
    values.update(parse_assignments(assignments))
    return cls.from_config(values)


@main.command("run")
@click.argument("name")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Set a parameter (repeatable).")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="TOML file of parameters.")
@click.option("--max-memory", default=None, metavar="SIZE",
              help="Refuse runs estimated to need more (e.g. 2G; default: the available memory).")
@store_option
def run_cmd(name, assignments, config, max_memory, store_path):
    """Run experiment NAME and write it to the store as one run."""
    try:
        limit = None if max_memory is None else parse_bytes(max_memory)
        exp = build_experiment(name, assignments, config)
        exp.check_resources(limit)
    except ValueError as exc:
        _fail(str(exc))
    store = _open_store(store_path)
    bar, progress = _progress_bar(name)
    try:
        run_id = exp.run(store, progress=progress, max_memory=limit)
    except ValueError as exc:  # rejected by validate() before the run was opened
        bar.close()
        _fail(str(exc))
    except RunFailedError as exc:
        bar.close()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # the run could not be created (disk full, no permission, ...)
        bar.close()        # and nothing of it was left behind: a run that stays is a RunFailedError
        _fail(f"cannot create a run in {store.path}: {exc}")
    finally:
        bar.close()
    rec = store.open(run_id)
    click.echo(f"{run_id}  {rec.status}")
    for key, value in rec.metrics.items():
        click.echo(f"  {key} = {_fmt(value)}")


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list) and len(value) > 8:
        return f"[{len(value)} values]"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


@main.command("experiments")
@click.option("--verbose", "-v", is_flag=True, help="Show each parameter's documentation.")
def experiments_cmd(verbose):
    """List registered experiments and their parameters."""
    for kind, cls in experiments().items():
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        click.echo(click.style(kind, bold=True) + (f"  {doc}" if doc else ""))
        for pname in cls.parameter_names():
            p = cls.param[pname]
            bounds = f" {list(p.bounds)}" if getattr(p, "bounds", None) else ""
            objects = getattr(p, "objects", None)
            choices = f" one of {list(objects)}" if objects else ""
            line = f"    {pname} = {p.default!r} ({type(p).__name__}{bounds}{choices})"
            if verbose and p.doc:
                line += f"  {p.doc}"
            click.echo(line)


@main.command("ls")
@click.option("--kind", default=None, help="Only runs of this experiment kind.")
@click.option("--status", default=None,
              type=click.Choice(["running", "complete", "failed", "stale", "corrupt"]))
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Only runs carrying this tag (repeatable: all of them).")
@store_option
def ls_cmd(kind, status, tags, store_path):
    """List runs, newest first (damaged runs are listed ``corrupt`` with the reason)."""
    store = _open_store(store_path, must_exist=True)
    records = store.runs(kind=kind, status=status)
    notes = {}
    if tags:
        from .store.notebook import check_tag

        try:
            wanted = {check_tag(t) for t in tags}
        except ValueError as exc:
            _fail(f"--tag: {exc}")
        notes = store.annotations([r.id for r in records])
        records = [r for r in records if wanted <= set(notes[r.id]["tags"])]
    if not records:
        click.echo("no runs")
        return
    for rec in records:
        metrics = ", ".join(f"{k}={_fmt(v)}" for k, v in list(rec.metrics.items())[:4]
                            if isinstance(v, (int, float, str)))
        if rec.status == "corrupt":
            metrics = rec.reason or ""
        tagged = f"  [{', '.join(notes[rec.id]['tags'])}]" if notes else ""
        click.echo(f"{rec.id:48s} {rec.status:9s} {rec.created[:19]:19s}  {metrics}{tagged}")


@main.command("annotate")
@click.argument("run_id")
@click.option("--tag", "add", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--untag", "remove", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@click.option("--note", default=None, help="Replace the run's note ('' clears it).")
@store_option
def annotate_cmd(run_id, add, remove, note, store_path):
    """Tag a run or write its note (kept beside the run; its results are not touched)."""
    store = _open_store(store_path, must_exist=True)
    try:
        value = store.annotate(run_id, add=add, remove=remove, note=note)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"{run_id}  tags: {', '.join(value['tags']) or '(none)'}"
               + (f"\nnote: {value['note']}" if value["note"] else ""))


@main.command("show")
@click.argument("run_id")
@store_option
def show_cmd(run_id, store_path):
    """Show a run's parameters, metrics, arrays and figures."""
    store = _open_store(store_path, must_exist=True)
    try:
        run = store.open(run_id)
    except (KeyError, ValueError) as exc:
        _fail(str(exc.args[0]) if exc.args else str(exc))
    click.echo(f"run      {run.id}\nkind     {run.kind}\nstatus   {run.status}\nseed     {run.seed}")
    click.echo(f"created  {run.attrs.get('created')}\nfinished {run.attrs.get('finished')}")
    if run.attrs.get("error"):
        click.echo(f"error    {run.attrs['error']}")
    click.echo("params   " + json.dumps(run.params, sort_keys=True))
    notes = run.annotations
    if notes["tags"]:
        click.echo("tags     " + ", ".join(notes["tags"]))
    if notes["note"]:
        click.echo("note     " + notes["note"].replace("\n", "\n         "))
    outputs = getattr(experiments().get(run.kind), "outputs", None)

    def meaning(kind, name):
        text = outputs.meaning(kind, name) if outputs is not None else ""
        return f"  # {text}" if text else ""

    for key, value in run.metrics.items():
        click.echo(f"  metric {key} = {_fmt(value)}{meaning('metrics', key)}")
    for name in run.arrays:
        try:
            shape, dtype = run.array_info(name)
            click.echo(f"  array  {name} {shape} {dtype} dims={run.dims(name)}{meaning('arrays', name)}")
        except OSError as exc:  # damaged metadata of one array: say so, show the rest
            click.echo(f"  array  {name} DAMAGED: {exc}")
    for name in run.figures:
        click.echo(f"  figure {name}{meaning('figures', name)}")


@main.command("gc")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option("--force", is_flag=True,
              help="Also remove runs whose writer still holds its lease (it then fails).")
@store_option
def gc_cmd(dry_run, force, store_path):
    """Remove stale, failed and corrupt runs, abandoned dataset entries and dead claims."""
    store = _open_store(store_path, must_exist=True)
    removed = store.gc(force=force, dry_run=dry_run)
    if dry_run:
        for item in removed:
            click.echo(f"would remove {item}")
        return
    runs = [r for r in removed if "/" not in r]
    click.echo(f"removed {len(runs)} run(s)" + (f" and {len(removed) - len(runs)} dataset entries/claims"
                                                 if len(removed) > len(runs) else ""))


@main.command("verify")
@click.argument("run_ids", nargs=-1)
@store_option
def verify_cmd(run_ids, store_path):
    """Check runs (all by default): metadata, manifest, every chunk's checksum. Exit 1 if damaged."""
    store = _open_store(store_path, must_exist=True)
    try:
        report = store.verify(list(run_ids) or None)
    except ValueError as exc:
        _fail(str(exc))
    damaged = 0
    for run_id, problems in report.items():
        if problems:
            damaged += 1
            for problem in problems:
                click.echo(f"{run_id}  DAMAGED  {problem}")
        else:
            click.echo(f"{run_id}  ok")
    click.echo(f"{len(report)} run(s) checked, {damaged} damaged")
    if damaged:
        sys.exit(1)


@main.command("sweep")
@click.argument("name")
@click.option("--grid", "grid_items", multiple=True, metavar="KEY=V1,V2,...",
              help="Values of one parameter (repeatable).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Fixed parameter (repeatable).")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="TOML file of fixed parameters.")
@click.option("--seeds", type=int, default=1, show_default=True, help="Seeds per grid point (0..N-1).")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Existing Dask scheduler, e.g. tcp://host:8786.")
@click.option("--workers", type=int, default=None, help="Local worker processes (default: one per core).")
@click.option("--no-resume", is_flag=True, help="Re-run points already complete in the store.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the result table as CSV.")
@store_option
def sweep_cmd(name, grid_items, assignments, config, seeds, scheduler, workers, no_resume, out, store_path):
    """Run experiment NAME over a parameter grid on Dask (one run per point)."""
    from tqdm.auto import tqdm

    from .sweep import expand_grid, parse_grid, sweep

    try:
        grid = parse_grid(grid_items)
        if not grid and seeds < 2:
            raise ValueError("give at least one --grid key=v1,v2,... (or --seeds N > 1)")
        base = load_config(config)
        base.update(parse_assignments(assignments))
        n_points = len(expand_grid(name, grid, seeds, base))
        if workers is not None and workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
    except ValueError as exc:
        _fail(str(exc))
    store = _open_store(store_path)
    bar = tqdm(total=n_points, desc=f"sweep {name}", unit="run", disable=None)

    def progress(counts):
        bar.n = counts["done"] + counts["failed"]
        bar.set_postfix(done=counts["done"], failed=counts["failed"], running=counts["running"],
                        skipped=counts["skipped"])
        bar.refresh()

    try:
        table = sweep(name, grid, seeds, base=base, store=store, scheduler=scheduler, workers=workers,
                      resume=not no_resume, progress=progress)
    finally:
        bar.close()
    if out:
        table.to_csv(out, index=False)
    _print_table(table)
    failed = int((table["status"] != "complete").sum())
    click.echo(f"{len(table)} points: {len(table) - failed} complete "
               f"({int(table['skipped'].sum())} already in the store), {failed} failed")
    if failed:
        sys.exit(1)


@main.command("reproduce")
@click.option("--quick", is_flag=True, help="Reduced sizes: a first look in a few minutes.")
@click.option("--only", multiple=True, metavar="PREFIX",
              help="Only claims whose id starts with PREFIX (repeatable).")
@click.option("--out", "out_dir", default="reproduction", show_default=True, type=click.Path(file_okay=False),
              help="Folder for report.md, report.html and figures/.")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Existing Dask scheduler, e.g. tcp://host:8786.")
@click.option("--workers", type=int, default=None, help="Local worker processes (default: one per core).")
@click.option("--no-resume", is_flag=True, help="Re-run points already complete in the store.")
@store_option
def reproduce_cmd(quick, only, out_dir, scheduler, workers, no_resume, store_path):
    """Reproduce the claims of the three papers and write a report."""
    import time as _time

    from tqdm.auto import tqdm

    from .reproduce import reproduce, write_report

    store = _open_store(store_path)
    bar = tqdm(desc="reproduce", unit="run", disable=None)

    def progress(counts):
        bar.total = counts["total"]
        bar.n = counts["done"] + counts["failed"]
        bar.set_postfix(done=counts["done"], failed=counts["failed"], running=counts["running"],
                        skipped=counts["skipped"])
        bar.refresh()

    t0 = _time.time()
    try:
        results = reproduce(store, quick=quick, only=list(only) or None, scheduler=scheduler, workers=workers,
                            resume=not no_resume, progress=progress)
    except ValueError as exc:
        bar.close()
        _fail(str(exc))
    bar.close()
    command = "workbench reproduce" + (" --quick" if quick else "") + "".join(f" --only {o}" for o in only)
    md, page = write_report(results, store, out_dir, command=command, elapsed_s=_time.time() - t0)
    for r in results:
        click.echo(f"{r.claim.id:28s} {r.verdict:15s} paper: {r.claim.paper_value} | ours: {r.our_value}")
    click.echo(f"report: {md} and {page}")


@main.command("benchmark")
@click.option("--models", default=None, metavar="A,B,...", help="Registered benchmark models (default: all).")
@click.option("--datasets", default=None, metavar="A,B,...",
              help="lorenz63, rossler, ecg, fmri (default: all, or only --data).")
@click.option("--seeds", type=int, default=2, show_default=True, help="Seeds per (model, dataset): 0..N-1.")
@click.option("--quick", is_flag=True, help="Reduced training budgets (same evaluation protocol).")
@click.option("--data", "data", multiple=True, metavar="NAME=TRAIN.npy[:TEST.npy]",
              help="A user dataset (repeatable).")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Existing Dask scheduler, e.g. tcp://host:8786.")
@click.option("--workers", type=int, default=None, help="Local worker processes (default: one per core).")
@click.option("--no-resume", is_flag=True,
              help="Re-run (model, dataset, seed) runs already complete in the store.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder for leaderboard.md, leaderboard.html and figures/.")
@click.option("--report-only", is_flag=True,
              help="Run nothing: the leaderboard of the runs already in the store "
                   "(points not run are counted).")
@store_option
def benchmark_cmd(models, datasets, seeds, quick, data, scheduler, workers, no_resume, out_dir, report_only,
                  store_path):
    """Score every model on the same data with the same protocol; print the leaderboard."""
    from tqdm.auto import tqdm

    from .benchmark.report import leaderboard_text
    from .benchmark.runner import benchmark, plan

    def split(text: str | None) -> list[str] | None:
        return None if text is None else [t.strip() for t in text.split(",") if t.strip()]

    try:
        if workers is not None and workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
        points, dsets = plan(split(models), split(datasets), seeds, quick=quick, data=data)
    except ValueError as exc:
        _fail(str(exc))
    for ds in dsets:
        click.echo(f"{ds.name}: " + ", ".join(f"{k} {v}" for k, v in ds.protocol().items() if k != "dataset"))
    store = _open_store(store_path, must_exist=report_only)
    bar = tqdm(total=len(points), desc="benchmark", unit="run", disable=None)

    def progress(counts):
        bar.n = counts["done"] + counts["failed"]
        bar.set_postfix(done=counts["done"], failed=counts["failed"], skipped=counts["skipped"])
        bar.refresh()

    try:
        result = benchmark(split(models), split(datasets), seeds, quick=quick, data=data, store=store,
                           scheduler=scheduler, workers=workers, resume=not no_resume, out=out_dir,
                           progress=progress, command=" ".join(["workbench"] + sys.argv[1:]),
                           run=not report_only)
    finally:
        bar.close()
    click.echo(leaderboard_text(result.leaderboard))
    status = result.runs["status"]
    complete, missing = int((status == "complete").sum()), int((status == "missing").sum())
    if report_only:
        click.echo(f"{len(result.runs)} planned runs: {complete} complete, "
                   f"{len(result.runs) - complete - missing} failed, {missing} not run (nothing was run now)")
    else:
        click.echo(f"{len(result.runs)} runs: {complete} complete "
                   f"({int(result.runs['skipped'].sum())} already in the store), "
                   f"{len(result.runs) - complete} failed; wall time {result.wall_seconds:.0f} s")
    for path in result.report.values():
        click.echo(f"wrote {path}")


def _print_table(table) -> None:
    """Print a sweep table compactly."""
    import pandas as pd

    shown = table.drop(columns=["error"]).copy()
    with pd.option_context("display.max_columns", 20, "display.width", 160, "display.precision", 4):
        click.echo(shown.to_string(index=False))


def _load_plugin_commands() -> None:
    for ep in entry_points(group="workbench.commands"):
        if ep.name in main.commands:
            continue
        try:
            main.add_command(ep.load(), ep.name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the CLI
            click.echo(f"warning: command {ep.name!r} unavailable: {exc}", err=True)


_load_plugin_commands()
