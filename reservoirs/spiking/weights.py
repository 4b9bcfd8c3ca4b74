"""Inhibitory weight factors of a :class:`SpikingEIReservoir` (learned by iSTDP in ``adapt``)."""

from __future__ import annotations

import numpy as np

from .codegen import runtime_target


class _InhibitoryWeights:
    """The I -> E and I -> I weight factors ``w`` (part of :class:`SpikingEIReservoir`)."""

    n_exc: int
    _ie: tuple[np.ndarray, np.ndarray]
    _ii: tuple[np.ndarray, np.ndarray]
    _objects: dict | None
    _target: str
    _target_rates: np.ndarray | None
    _weights_ie: np.ndarray
    _weights_ii: np.ndarray

    def _write_weights(self, objects):
        if "syn_inh" in objects:
            objects["syn_inh"].w_ = np.concatenate([self._weights_ie, self._weights_ii])
        else:
            objects["syn_ie"].w_ = self._weights_ie
            objects["syn_ii"].w_ = self._weights_ii

    def _read_weights(self, objects):
        if "syn_inh" in objects:
            w = np.array(objects["syn_inh"].w_[:], dtype=float)
            self._weights_ie, self._weights_ii = w[:self._ie[0].size], w[self._ie[0].size:]
        else:
            self._weights_ie = np.array(objects["syn_ie"].w_[:], dtype=float)
            self._weights_ii = np.array(objects["syn_ii"].w_[:], dtype=float)
    def reset_weights(self) -> None:
        """Set every inhibitory weight factor ``w`` back to 1 (undo plasticity)."""
        self._weights_ie = np.ones(self._ie[0].size)
        self._weights_ii = np.ones(self._ii[0].size)
        if self._objects is not None:
            with runtime_target(self._target):
                self._write_weights(self._objects)

    @property
    def inhibitory_weights(self):
        """I -> E synapses as ``(pre, post, w)``: E-local post index, I-local pre index.

        ``w`` is the weight factor (conductance jump ``w * g * w_exc``).
        """
        if self._objects is not None:
            self._read_weights(self._objects)
        return self._ie[0].copy(), self._ie[1].copy(), self._weights_ie.copy()

    def mean_inhibitory_weight(self) -> np.ndarray:
        """Mean weight factor of the inhibitory inputs of each excitatory neuron."""
        _, post, w = self.inhibitory_weights
        total = np.bincount(post, weights=w, minlength=self.n_exc)
        count = np.bincount(post, minlength=self.n_exc)
        return np.divide(total, count, out=np.full(self.n_exc, np.nan), where=count > 0)

    @property
    def target_rates(self) -> np.ndarray | None:
        """Per-neuron iSTDP target rates (Hz) of the excitatory neurons, or None."""
        return None if self._target_rates is None else self._target_rates.copy()
