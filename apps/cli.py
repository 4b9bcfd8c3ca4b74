"""``workbench serve``: start the Panel app (registered in the ``workbench.commands`` group)."""

from __future__ import annotations

import click

__all__ = ["serve"]


@click.command("serve")
@click.option("--store", "store_path", default=None, metavar="PATH",
              help="Store path or fsspec URL (default $WORKBENCH_STORE or ./workbench.zarr).")
@click.option("--port", default=5006, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--address", default="localhost", show_default=True, help="Interface to listen on.")
@click.option("--show/--no-show", default=False, show_default=True, help="Open a browser tab.")
@click.option("--data-dir", default=None, metavar="DIR",
              help="Folder whose .npy/.csv/.txt files the app offers to train on (picked by name).")
def serve(store_path, port, address, show, data_dir):
    """Start the workbench app on http://ADDRESS:PORT/workbench."""
    from workbench.store import Store

    try:
        store = Store(store_path)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    if data_dir is not None:
        from .uploads import DataFolder

        try:
            data_dir = str(DataFolder(data_dir).root)
        except ValueError as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(2) from None
    from .app import serve as serve_app

    click.echo(f"serving store {store.path} on http://{address}:{port}/workbench (Ctrl+C to stop)", nl=True)
    serve_app(store.path, port=port, address=address, show=show, data_dir=data_dir)
