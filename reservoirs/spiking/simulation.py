"""Running a :class:`SpikingEIReservoir`: input segments on a runtime target or C++ standalone."""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import brian2
import numpy as np
from brian2 import TimedArray, ms, second

from workbench.validation import check_array, check_int

from .activity import ReservoirActivityError, check_activity
from .codegen import runtime_target, standalone_device
from .features import step_features
from .monitors import Segment
from .state import ReservoirState
from .units import to_float

_GUARD_WINDOW = 50e-3        # seconds between two runaway checks (at least one input step)


class _Simulation:
    """``run``, ``adapt`` and the simulation loop (part of :class:`SpikingEIReservoir`)."""

    plasticity: Any
    step: float

    if TYPE_CHECKING:            # provided by the other parts of SpikingEIReservoir
        @property
        def n_inputs(self) -> int: ...

        def set_state(self, state: ReservoirState) -> None: ...

    def _check_input(self, u):
        u = check_array(u, "u", ndim=(1, 2), min_length=1)
        if u.ndim == 1:
            u = u[:, None]
        if u.shape[1] != self.n_inputs:
            raise ValueError(f"u must have shape (T, {self.n_inputs}), got {u.shape}")
        return u

    def run(self, u, washout=0, state=None) -> np.ndarray:
        """Drive the reservoir with ``u`` (plasticity frozen) and return its features.

        Parameters
        ----------
        u : array_like, shape (T,) or (T, n_inputs)
            Input samples; each is held for ``step`` ms.
        washout : int
            Leading steps dropped from the returned features, in [0, T).
        state : ReservoirState, optional
            Start from this state; by default continue from the current one.

        Returns
        -------
        numpy.ndarray, shape (T - washout, n_exc)
            Filtered excitatory spike trains (or counts) at the end of each input step.

        Raises
        ------
        ReservoirActivityError
            Runaway or silent activity (``on_bad_activity="raise"``).
        """
        u = self._check_input(u)
        washout = check_int(washout, "washout", 0, u.shape[0] - 1)
        if state is not None:
            self.set_state(state)
        features = self._simulate(u, plastic=False)
        return features[washout:]

    def adapt(self, u=None, *, duration=None) -> Segment:
        """Adaptation phase: simulate with iSTDP on, then freeze the weights again.

        Parameters
        ----------
        u : array_like, shape (T,) or (T, n_inputs), optional
            Input to adapt under (task-like statistics); zeros when omitted.
        duration : float or Quantity, optional
            Length (ms) of an input-free adaptation; exactly one of ``u`` and ``duration``.

        Returns
        -------
        Segment
            The adaptation's recordings (also ``last_segment``).
        """
        if self.plasticity is None:
            raise ValueError("plasticity is None: build the reservoir with "
                             "plasticity=InhibitorySTDP(...) to adapt it")
        if (u is None) == (duration is None):
            raise ValueError("give exactly one of u and duration")
        if u is None:
            duration = to_float(duration, "duration", "ms", self.step, None)
            u = np.zeros((int(round(duration / self.step)), self.n_inputs))
        u = self._check_input(u)
        self._simulate(u, plastic=True)
        return self.last_segment

    def _simulate(self, u, plastic):
        run_seed = int(self._run_rng.integers(2 ** 31 - 1))
        started = time.perf_counter()
        if self._target == "cpp_standalone":
            result = self._simulate_standalone(u, plastic, run_seed)
        else:
            result = self._simulate_runtime(u, plastic, run_seed)
        ticks, neurons, n_ticks, stopped, wt, ww = result
        self.last_timing["total_s"] = time.perf_counter() - started
        t_start = self._now()
        n_steps = u.shape[0]
        duration = n_ticks * self.dt * 1e-3
        exc = neurons < self.n_exc
        rate_e = np.count_nonzero(exc) / (self.n_exc * duration)
        rate_i = np.count_nonzero(~exc) / (self.n_inh * duration)
        report = check_activity(rate_e, rate_i, (self.min_rate, self.max_rate), stopped)
        done_steps = min(n_steps, n_ticks // self.step_ticks)
        keep = ticks < done_steps * self.step_ticks
        feats, trace = step_features(self.features, ticks[exc & keep], neurons[exc & keep],
                                     self.n_exc, done_steps, self.step_ticks, self.dt * 1e-3,
                                     self._tau_filters * 1e-3, self._state.trace)
        if done_steps < n_steps:
            feats = np.vstack([feats, np.full((n_steps - done_steps, self.n_exc), np.nan)])
        self._state.trace = trace
        self._time_ticks += n_ticks
        self.last_segment = Segment(kind="adapt" if plastic else "run", t_start=t_start,
                                    duration=duration, n_steps=n_steps, dt=self.dt * 1e-3,
                                    n_exc=self.n_exc, n_neurons=self.n_neurons,
                                    spike_ticks=ticks, spike_neurons=neurons, activity=report,
                                    weight_times=wt, weights=ww)
        if not report.ok:
            if self.on_bad_activity == "raise":
                raise ReservoirActivityError(report)
            warnings.warn(report.reason, RuntimeWarning, stacklevel=3)
        return feats

    # runtime (numpy / cython) --------------------------------------------------------
    def _on_step(self, t):
        """Network operation at the start of each input step: apply the next input sample."""
        k = int(round((float(t / second) - self._segment_t0) / (self.step * 1e-3)))
        if k >= self._segment_drive.shape[0]:
            return
        self._drive_values[self._drive_index] = self._segment_drive[k]
        if self._guard_every and k and k % self._guard_every == 0:
            count = int(self._spike_count.get_value()[0])
            rate = (count - self._guard_count) / (self.n_neurons * self._guard_every
                                                  * self.step * 1e-3)
            self._guard_count = count
            if rate > self.max_rate:
                self._stopped = True
                self._objects["network"].stop()

    def _simulate_runtime(self, u, plastic, run_seed):
        obj = self._objects
        now = self._now()
        spikes = obj["spikes"]
        first_spike = int(spikes.num_spikes)
        if self.input_mode == "current":
            self._drive_values = obj["neurons"].variables["I_in"].get_value()
            self._drive_index = self._input_targets
            self._segment_drive = (u @ self._w_in.T) * 1e-3            # volts, (T, n_targets)
        else:
            self._drive_values = obj["input_units"].variables["rate"].get_value()
            self._drive_index = slice(None)                           # one unit per target
            self._segment_drive = self.input_rate * np.clip(1 + u @ self._w_in.T, 0, None)
        self._segment_t0 = now
        self._spike_count = spikes.variables["N"]
        self._guard_count = first_spike
        self._guard_every = max(1, int(round(_GUARD_WINDOW / (self.step * 1e-3))))
        self._stopped = False
        if self.plasticity is not None:
            obj["syn_ie"].eta = self.plasticity.eta if plastic else 0.0
        n_ticks = u.shape[0] * self.step_ticks
        try:
            with runtime_target(self._target):
                brian2.seed(run_seed)
                loop_start = time.perf_counter()
                obj["network"].run(n_ticks * self.dt * ms, namespace=obj["namespace"])
                self.last_timing = {"loop_s": time.perf_counter() - loop_start}
                ran = int(round(obj["network"].t_ / (self.dt * 1e-3))) - self._time_ticks
                if self._stopped and ran % self.step_ticks:
                    # realign with the input-step grid (a few dt of an already failed run)
                    obj["network"].run((self.step_ticks - ran % self.step_ticks) * self.dt * ms,
                                       namespace=obj["namespace"])
        finally:
            self._drive_values[:] = 0.0
            if self.plasticity is not None:
                obj["syn_ie"].eta = 0.0
        total = int(round(obj["network"].t_ / (self.dt * 1e-3))) - self._time_ticks
        t_abs = np.asarray(spikes.t_[first_spike:])
        ticks = np.rint(t_abs / (self.dt * 1e-3)).astype(np.int64) - self._time_ticks
        neurons = np.asarray(spikes.i_[first_spike:], dtype=np.int64)
        keep = ticks < total
        wt = ww = None
        if "weights" in obj:
            mon = obj["weights"]
            times = np.asarray(mon.t_[:])
            sel = (times >= now - 1e-12) & (times < now + total * self.dt * 1e-3 - 1e-12)
            wt, ww = times[sel] - now, np.asarray(mon.w[:, sel]).T
        self._read_weights(obj)
        self._state = self._read_state(obj, now + total * self.dt * 1e-3, self._state.trace)
        return ticks[keep], neurons[keep], total, self._stopped, wt, ww

    # C++ standalone --------------------------------------------------------------------
    def _simulate_standalone(self, u, plastic, run_seed):
        n_ticks = u.shape[0] * self.step_ticks
        duration = n_ticks * self.dt * 1e-3
        with standalone_device(self._build_dir) as device:
            timed = TimedArray(u, dt=self.step * ms, name="u_in")
            obj = self._build(timed_input=timed)
            self._write_weights(obj)
            self._write_state(obj, self._state, now=0.0)
            if self.plasticity is not None:
                obj["syn_ie"].eta = self.plasticity.eta if plastic else 0.0
            brian2.seed(run_seed)
            obj["network"].run(duration * second, namespace=obj["namespace"])
            device.build(directory=self._build_dir, compile=True, run=True, with_output=False)
            self.last_timing = {"loop_s": float(device._last_run_time)}
            spikes = obj["spikes"]
            ticks = np.rint(np.asarray(spikes.t_[:]) / (self.dt * 1e-3)).astype(np.int64)
            neurons = np.asarray(spikes.i_[:], dtype=np.int64)
            wt = ww = None
            if "weights" in obj:
                wt = np.asarray(obj["weights"].t_[:])
                ww = np.asarray(obj["weights"].w[:]).T
            self._read_weights(obj)
            self._state = self._read_state(obj, duration, self._state.trace)
        keep = ticks < n_ticks
        return ticks[keep], neurons[keep], n_ticks, False, wt, ww
