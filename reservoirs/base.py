"""Common behaviour of the rate reservoirs: input checks, run, reset, streaming, state.

Both :class:`reservoirs.EIReservoir` and :class:`reservoirs.EchoStateNetwork` hold a
:class:`reservoirs.dynamics.RateSystem` and present the reservoir protocol used by
:mod:`reservoirs.tasks`: ``run(u, washout=0, state=None) -> (T - washout, n)``, ``reset()``
and ``n_inputs``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from workbench.validation import check_array, check_int

from .dynamics import DEFAULT_CHUNK, RateSystem

__all__ = ["RateReservoir"]


class RateReservoir:
    """Base class: a rate network with an explicit, chainable state.

    Subclasses set ``self._system`` (a :class:`RateSystem`) and ``self._initial`` (the state
    :meth:`reset` returns to) in their constructors.
    """

    _system: RateSystem
    _initial: np.ndarray
    _rates: np.ndarray | None = None

    # -- shape -------------------------------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        """Number of neurons ``n``."""
        return self._system.size

    @property
    def n_inputs(self) -> int:
        """Input dimension ``d``."""
        return self._system.input_weights.shape[1]

    @property
    def input_weights(self) -> np.ndarray:
        """``W^in``, shape ``(n, d)`` (a copy)."""
        return self._system.input_weights.copy()

    @property
    def weights(self):
        """Signed recurrent matrix ``W`` as CSR, row = postsynaptic (a copy)."""
        return self._system.weights.copy()

    # -- state -------------------------------------------------------------------------------
    @property
    def state(self) -> np.ndarray:
        """Current state ``r(t)``, shape ``(n,)`` (a copy)."""
        return self._system.state.copy()

    @state.setter
    def state(self, value):
        self._system.state = self._check_state(value)

    @property
    def rates(self) -> np.ndarray | None:
        """Per-neuron mean activity over the states returned by the last run or adaptation.

        ``None`` before the first run.
        """
        return None if self._rates is None else self._rates.copy()

    def reset(self) -> None:
        """Return the state to the initial state (weights are kept)."""
        self._system.state = self._initial.copy()

    # -- checks ------------------------------------------------------------------------------
    def _check_state(self, state):
        return check_array(state, "state", shape=(self.n_neurons,)).copy()

    def check_input(self, u, name="u") -> np.ndarray:
        """Validate an input sequence and return it with shape ``(T, n_inputs)``.

        A 1-D array is accepted when ``n_inputs == 1``.

        Raises
        ------
        ValueError
            Wrong shape, fewer than one step, or NaN/inf values.
        """
        arr = check_array(u, name, ndim=(1, 2), min_length=1)
        if arr.ndim == 1:
            if self.n_inputs != 1:
                raise ValueError(f"{name} must have shape (T, {self.n_inputs}), got {arr.shape}")
            arr = arr[:, None]
        if arr.shape[1] != self.n_inputs:
            raise ValueError(f"{name} must have shape (T, {self.n_inputs}), got {arr.shape}")
        return arr

    def _prepare(self, u, washout, state):
        arr = self.check_input(u)
        washout = check_int(washout, "washout", 0, arr.shape[0] - 1)
        if state is not None:
            self._system.state = self._check_state(state)
        return arr, washout

    # -- running -----------------------------------------------------------------------------
    def run(self, u, washout=0, state=None) -> np.ndarray:
        """Drive the reservoir with ``u`` and return the states after ``washout``.

        Parameters
        ----------
        u : array_like, shape (T, n_inputs) or (T,)
            Input sequence; ``u[t]`` produces state ``r(t+1)``.
        washout : int
            Leading steps to drop from the output, in [0, T - 1].
        state : array_like, shape (n,), optional
            Start state; ``None`` continues from the current state, so consecutive calls
            chain. The final state is available as :attr:`state`.

        Returns
        -------
        ndarray, shape (T - washout, n)
            Row ``t`` is the state after the input ``u[washout + t]``.
        """
        arr, washout = self._prepare(u, washout, state)
        states = self._system.run(arr, washout)
        self._rates = states.mean(axis=0)
        return states

    def iter_run(self, u, washout=0, state=None, chunk_size=DEFAULT_CHUNK) -> Iterator[np.ndarray]:
        """Like :meth:`run`, but yield the states in blocks of ``chunk_size`` steps.

        Memory is ``O(chunk_size * n)`` whatever the length of ``u``; use it to stream long
        runs into a store (``run.append``). :attr:`rates` is updated when the generator ends.
        """
        arr, washout = self._prepare(u, washout, state)
        chunk_size = check_int(chunk_size, "chunk_size", 1)
        total = np.zeros(self.n_neurons)
        count = 0
        t = -washout
        for block in self._system.blocks(arr, chunk_size):
            end = t + block.shape[0]
            if end > 0:
                kept = block[max(t, 0) - t:]
                total += kept.sum(axis=0)
                count += kept.shape[0]
                yield kept
            t = end
        self._rates = total / count
