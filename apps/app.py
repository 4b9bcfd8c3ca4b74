"""The workbench app: one template, one tab per page, a fresh state per browser session.

``create_app(store)`` builds everything for one session (served as a *function*, so several
browser sessions never share state); :func:`serve` starts the Bokeh server on
``localhost:<port>``. ``panel serve apps/app.py`` also works (the store then comes from
``$WORKBENCH_STORE`` or ``./workbench.zarr``).
"""

from __future__ import annotations

import re
import threading
import uuid

import panel as pn
import param
from panel.custom import JSComponent

from workbench.registry import experiments as registered_experiments
from workbench.registry import load_errors
from workbench.store import Store, default_store_path

from .benchmark import BenchmarkPage
from .dendrites import DendritesPage
from .dynamics import DynamicsPage
from .memory import MemoryPage
from .runs import RunsPage
from .shade import warm_up

__all__ = ["PAGES", "build_pages", "create_app", "serve"]

#: Tab titles, in order.
PAGES = ("Memory capacity", "Lorenz / Rössler", "Dendrites", "Runs", "Benchmark")

pn.extension("tabulator", "plotly", notifications=False, sizing_mode="stretch_width")


def _open_store(store) -> Store:
    if isinstance(store, Store):
        return store
    return Store(store if store is not None else default_store_path())


#: Cookie that identifies a browser across reloads (jobs re-attach by it).
COOKIE = "workbench_client"


def client_id() -> str:
    """The browser's id: its cookie when it sent a valid one, else a new random id."""
    value = (pn.state.cookies or {}).get(COOKIE, "") if pn.state.curdoc is not None else ""
    return value if re.fullmatch(r"[0-9a-f]{32}", value or "") else uuid.uuid4().hex


class ClientCookie(JSComponent):
    """Stores the browser's id as a cookie (sent with the next page load), shows nothing."""

    client = param.String(default="", doc="The id (32 hex digits).")

    _esm = """
    export function render({ model }) {
      const id = model.client;
      if (/^[0-9a-f]{32}$/.test(id)) {
        document.cookie = `workbench_client=${id}; path=/; max-age=31536000; SameSite=Strict`;
      }
      return document.createElement("span");
    }
    """


def build_pages(store=None, registry: dict | None = None, client: str | None = None, data_dir=None) -> dict:
    """The pages of one session, ``{title: page}`` in :data:`PAGES` order.

    Parameters
    ----------
    store : Store, str or None
        The store (or its path/URL); default ``$WORKBENCH_STORE`` or ``./workbench.zarr``.
    registry : dict, optional
        ``{kind: Experiment subclass}``; default the installed experiments.
    client : str, optional
        The browser's id: background jobs are kept under it and re-attached after a reload.
    data_dir : str, optional
        Folder whose data files the Lorenz / Rössler page offers to pick from.
    """
    store = _open_store(store)
    registry = registered_experiments() if registry is None else registry
    return {
        PAGES[0]: MemoryPage(store, registry, client=client),
        PAGES[1]: DynamicsPage(store, registry, client=client, data_dir=data_dir),
        PAGES[2]: DendritesPage(client=client),
        PAGES[3]: RunsPage(store, registry, client=client),
        PAGES[4]: BenchmarkPage(store, registry, client=client),
    }


def create_app(store=None, registry: dict | None = None, pages: dict | None = None, client: str | None = None,
               data_dir=None) -> pn.template.BootstrapTemplate:
    """Build the app for one session: a template with one tab per page.

    Parameters
    ----------
    store : Store, str or None
        The store (or its path/URL); default ``$WORKBENCH_STORE`` or ``./workbench.zarr``.
    registry : dict, optional
        ``{kind: Experiment subclass}``; default the installed experiments.
    pages : dict, optional
        Pages made by :func:`build_pages` (default: made here), e.g. to keep a handle on
        their state.
    client : str, optional
        The browser's id (default: from its cookie, or a new one).
    data_dir : str, optional
        Folder offered as a pick-list of data files.

    Returns
    -------
    panel.template.BootstrapTemplate
    """
    store = _open_store(store)
    registry = registered_experiments() if registry is None else registry
    client = client or client_id()
    pages = build_pages(store, registry, client=client, data_dir=data_dir) if pages is None else pages
    # dynamic: a tab is rendered when first shown, so the first page is ready sooner
    tabs = pn.Tabs(*((title, page) for title, page in pages.items()), sizing_mode="stretch_width",
                   dynamic=True)

    def on_tab(event):
        if PAGES[event.new] in (PAGES[3], PAGES[4]):  # pages that read the store: show what is new
            pages[PAGES[event.new]].refresh()

    tabs.param.watch(on_tab, ["active"])
    broken = load_errors()
    notes = [pn.pane.Markdown(f"**Store:** `{store.path}`"),
             pn.pane.Markdown(f"**Experiments:** {len(registry)} installed")]
    if broken:
        unavailable = "; ".join(f"{k}: {v}" for k, v in broken.items())
        notes.append(pn.pane.Alert("Unavailable packages: " + unavailable, alert_type="warning"))
    notes.append(ClientCookie(client=client, height=0, width=0, margin=0))
    return pn.template.BootstrapTemplate(title="Neuro workbench", main=[tabs], sidebar=notes,
                                        sidebar_width=260, collapsed_sidebar=True,
                                        header_background="#1f4e79")


def serve(store=None, port: int = 5006, address: str = "localhost", show: bool = False, data_dir=None,
          **kwargs):
    """Serve the app: every browser session gets its own :func:`create_app`.

    Parameters
    ----------
    store : str or None
        Store path or URL (validated here, before the server starts).
    port : int
        TCP port (0 picks a free one).
    address : str
        Interface to listen on.
    show : bool
        Open a browser tab.
    data_dir : str, optional
        Folder whose data files the app offers to pick from (by name, never a free path).
    **kwargs
        Passed to :func:`panel.serve` (e.g. ``threaded=True``).

    Returns
    -------
    The server (or its thread with ``threaded=True``).
    """
    from .uploads import MAX_UPLOAD_BYTES, DataFolder

    path = _open_store(store).path
    if data_dir is not None:
        data_dir = str(DataFolder(data_dir).root)
    registry = registered_experiments()
    # compile the long-trajectory rasteriser while the first page loads, not on the first plot
    threading.Thread(target=warm_up, name="datashader-warm-up", daemon=True).start()

    def session():
        return create_app(path, registry, data_dir=data_dir)

    kwargs.setdefault("websocket_max_message_size", 2 * MAX_UPLOAD_BYTES)
    options = dict(port=port, address=address, title="Neuro workbench",
                   websocket_origin=[f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"], **kwargs)
    if kwargs.get("threaded") or kwargs.get("start") is False:
        return pn.serve({"workbench": session}, show=show, **options)
    server = pn.serve({"workbench": session}, show=False, start=False, **options)
    server.io_loop.asyncio_loop.set_exception_handler(_browser_gone_handler)
    server.start()
    if show:
        server.show("/workbench")
    server.io_loop.start()
    return server


def _browser_gone_handler(loop, context) -> None:
    """Asyncio errors: a write to a browser that closed its tab is not an error, the rest is."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    if isinstance(context.get("exception"), (WebSocketClosedError, StreamClosedError)):
        import logging

        logging.getLogger("apps.app").debug("a browser closed while it was being updated")
        return
    loop.default_exception_handler(context)


if pn.state.served:
    create_app().servable()
