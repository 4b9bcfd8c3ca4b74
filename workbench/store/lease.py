"""Leases: who holds a run or a claim, renewed by a heartbeat, valid across machines.

A lease is a small JSON object in the store naming its holder (host, process id, the PID
namespace of the process, a random token) and the time it expires. The holder renews it
every ``renew`` seconds from a daemon thread; when the holder dies, renewals stop and the
lease expires ``ttl`` seconds later, wherever the holder ran. Anyone may then treat the
work as abandoned. On the holder's own host and PID namespace a dead process is seen at once
(process id and start time), without waiting for the expiry.

The token fences the holder: before each change of state the holder reads the lease back and
goes on only if its token is still there. A run removed by ``gc --force``, or a claim taken
over after it expired, is therefore never marked complete by its former holder.

Two kinds of lease share this code:

- :class:`Lease`: one object (``runs/<id>/lease.json``) for work whose name only its holder
  knows (a new run).
- :class:`Claim`: a log of numbered entries (``claims/<ns>/<key>/<n>.json``) for work many
  processes may ask for at once (a dataset key, a sweep point). Entry ``n + 1`` can be created
  by one process only (create-if-absent), so acquiring, taking over and releasing are
  compare-and-swap steps, on a local disk and on object storage alike.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Any

from .backend import Backend
from .common import LeaseLostError, hostname, utcnow

__all__ = ["Claim", "Lease", "lease_alive", "lease_renew_s", "lease_ttl_s"]


def lease_ttl_s() -> float:
    """Lease lifetime in seconds (``$WORKBENCH_LEASE_TTL``, default 30)."""
    return _env_float("WORKBENCH_LEASE_TTL", 30.0)


def lease_renew_s() -> float:
    """Heartbeat period in seconds (``$WORKBENCH_LEASE_RENEW``, default a third of the TTL)."""
    return _env_float("WORKBENCH_LEASE_RENEW", lease_ttl_s() / 3)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive finite number of seconds, got {raw!r}")
    return value


def pid_namespace() -> int | None:
    """Inode of this process's PID namespace (``/proc/self/ns/pid``), None where unknown."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None


def _start_time(pid: int) -> float | None:
    """Start time of a running process ``pid``; None when it is gone (a zombie is gone)."""
    try:
        import psutil

        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time()
    except Exception:  # noqa: BLE001 - any failure means "unknown"
        return None


def owner_info() -> dict[str, Any]:
    """Who this process is: host, pid, PID namespace and process start time."""
    pid = os.getpid()
    return {"host": hostname(), "pid": pid, "pid_ns": pid_namespace(), "pid_started": _start_time(pid)}


def lease_alive(lease: Any, now: float | None = None) -> bool:
    """Whether a lease object (as read from the store) still holds.

    Same host and PID namespace: the holder process must exist with the recorded start time
    (a dead holder is seen at once). Otherwise: the lease holds until its ``expires`` time.
    A missing or unreadable lease does not hold.
    """
    if not isinstance(lease, dict):
        return False
    expires = lease.get("expires")
    if not isinstance(expires, (int, float)):
        return False
    pid = lease.get("pid")
    if (lease.get("host") == hostname() and lease.get("pid_ns") is not None
            and lease.get("pid_ns") == pid_namespace() and isinstance(pid, int)):
        started = _start_time(pid)
        recorded = lease.get("pid_started")
        if started is None or (isinstance(recorded, (int, float)) and abs(started - recorded) >= 1.0):
            return False
        return True
    return (time.time() if now is None else now) < expires


class _Heartbeat:
    """A daemon thread calling ``renew()`` every ``period`` seconds until stopped or lost."""

    def __init__(self, renew, period: float):
        self._renew = renew
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="workbench-lease", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._period):
            try:
                if not self._renew():
                    return
            except Exception:  # noqa: BLE001 - a failed renewal is retried next period
                continue

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


class Lease:
    """The lease of one object the holder created (a run): held from :meth:`acquire` to :meth:`release`.

    Parameters
    ----------
    backend : Backend
        The store's objects.
    key : str
        Where the lease lives (e.g. ``runs/<id>/lease.json``).
    info : dict, optional
        Extra fields recorded in the lease (e.g. the sweep and worker).
    """

    def __init__(self, backend: Backend, key: str, info: dict | None = None):
        self.backend = backend
        self.key = key
        self.token = uuid.uuid4().hex
        self.ttl = lease_ttl_s()
        self.info = dict(info or {})
        self.lost = False
        self._heartbeat: _Heartbeat | None = None
        self._lock = threading.Lock()

    def body(self) -> dict[str, Any]:
        """The lease object as written now (fresh expiry)."""
        now = time.time()
        return {**owner_info(), **self.info, "token": self.token, "renewed": utcnow(),
                "ttl": self.ttl, "expires": now + self.ttl}

    def acquire(self) -> None:
        """Write the lease and start the heartbeat."""
        self.backend.write_json(self.key, self.body())
        self._heartbeat = _Heartbeat(self.renew, lease_renew_s())

    def owned(self) -> bool:
        """Whether the lease in the store still carries this holder's token (one read)."""
        try:
            current = self.backend.read_json(self.key)
        except ValueError:
            return False
        return isinstance(current, dict) and current.get("token") == self.token

    def renew(self) -> bool:
        """Extend the lease; False (and :attr:`lost`) when another process removed or took it."""
        with self._lock:
            if self.lost:
                return False
            if not self.owned():
                self.lost = True
                return False
            self.backend.write_json(self.key, self.body())
            return True

    def check(self) -> None:
        """Raise :class:`LeaseLostError` unless this holder still owns the lease (fencing)."""
        with self._lock:
            if self.lost or not self.owned():
                self.lost = True
                raise LeaseLostError(f"lease {self.key!r} was removed or taken over by another "
                                     f"process (e.g. `workbench gc --force`); not writing")

    def release(self) -> None:
        """Stop the heartbeat and remove the lease (only while it is still ours)."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        with self._lock:
            if not self.lost and self.owned():
                self.backend.remove(self.key)
            self.lost = True

    def stop(self) -> None:
        """Stop renewing without removing the lease (it expires on its own)."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None


class Claim:
    """A claim on a key many processes may ask for at once (a dataset key, a sweep point).

    The claim is a log ``claims/<namespace>/<key>/<n>.json``; its newest entry says who holds
    it (``state == "held"`` with a live lease) or that it was released (with a result, e.g. the
    run that completed the point). Each step creates the next entry if absent, so only one
    process wins each step.

    Parameters
    ----------
    backend : Backend
        The store's objects.
    namespace, key : str
        What is claimed (safe path components).
    info : dict, optional
        Fields recorded in the holder's entries (e.g. ``sweep``, ``worker``).
    """

    def __init__(self, backend: Backend, namespace: str, key: str, info: dict | None = None):
        self.backend = backend
        self.prefix = f"claims/{namespace}/{key}"
        self.info = dict(info or {})
        self.token = uuid.uuid4().hex
        self.ttl = lease_ttl_s()
        self.generation: int | None = None
        self.lost = False
        self._extra: dict[str, Any] = {}
        self._heartbeat: _Heartbeat | None = None
        self._lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------------
    def _generations(self) -> list[int]:
        gens = []
        for name, is_dir in self.backend.listdir(self.prefix):
            stem = name[:-5] if name.endswith(".json") else ""
            if not is_dir and stem.isdigit():
                gens.append(int(stem))
        return sorted(gens)

    def _entry_key(self, gen: int) -> str:
        return f"{self.prefix}/{gen:010d}.json"

    def latest(self) -> tuple[int, dict | None]:
        """``(n, entry)`` of the newest entry; ``(0, None)`` when never claimed."""
        gens = self._generations()
        if not gens:
            return 0, None
        try:
            entry = self.backend.read_json(self._entry_key(gens[-1]))
        except ValueError:
            entry = None
        return gens[-1], entry if isinstance(entry, dict) else {"state": "unreadable"}

    @staticmethod
    def held(entry: dict | None) -> bool:
        """Whether ``entry`` is a live hold."""
        return isinstance(entry, dict) and entry.get("state") == "held" and lease_alive(entry)

    # -- holding ----------------------------------------------------------------------------
    def _body(self, state: str) -> dict[str, Any]:
        now = time.time()
        return {**owner_info(), **self.info, **self._extra, "state": state, "token": self.token,
                "renewed": utcnow(), "ttl": self.ttl, "expires": now + self.ttl}

    def try_acquire(self) -> tuple[bool, dict | None]:
        """Take the claim if nobody holds it; ``(won, previous entry)``.

        The previous entry tells the winner what happened before (released with a result, or
        abandoned by a holder that died).
        """
        gen, entry = self.latest()
        if self.held(entry):
            return False, entry
        if not self.backend.create(self._entry_key(gen + 1), json.dumps(self._body("held")).encode()):
            return False, entry
        self.generation = gen + 1
        self._heartbeat = _Heartbeat(self.renew, lease_renew_s())
        for old in self._generations():
            if old < gen:  # keep the previous entry (it holds the last result), drop the rest
                self.backend.remove(self._entry_key(old))
        return True, entry

    def owned(self) -> bool:
        """Whether our entry is still the newest (nobody took over)."""
        if self.generation is None:
            return False
        gens = self._generations()
        return bool(gens) and gens[-1] == self.generation

    def update(self, **fields: Any) -> None:
        """Record ``fields`` (e.g. the run id) in our entry."""
        with self._lock:
            self._extra.update(fields)
            if self.generation is not None and not self.lost:
                self.backend.write_json(self._entry_key(self.generation), self._body("held"))

    def renew(self) -> bool:
        """Extend our hold; False (and :attr:`lost`) once another process took over."""
        with self._lock:
            generation = self.generation
            if self.lost or generation is None or not self.owned():
                self.lost = True
                return False
            self.backend.write_json(self._entry_key(generation), self._body("held"))
            return True

    def check(self) -> None:
        """Raise :class:`LeaseLostError` unless we still hold the claim (fencing)."""
        with self._lock:
            if self.lost or not self.owned():
                self.lost = True
                raise LeaseLostError(f"claim {self.prefix!r} was taken over by another process")

    def release(self, **result: Any) -> bool:
        """Stop holding; record ``result`` in a ``released`` entry. Whether it was recorded."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        with self._lock:
            if self.generation is None or self.lost:
                return False
            self._extra.update(result)
            body = json.dumps(self._body("released")).encode()
            ok = self.backend.create(self._entry_key(self.generation + 1), body)
            self.lost = True
            if ok:
                self.backend.remove(self._entry_key(self.generation))
            return ok
