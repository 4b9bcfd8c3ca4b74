"""Active-dendrite pattern detectors (Ahmad & Hawkins 2016, the model of :mod:`dendrites.theory`).

A :class:`DendriticSegment` is a thresholded coincidence detector: it has synapses onto a
set of presynaptic cells and emits an NMDA (dendritic) spike when at least θ of them are
active, :math:`x_i \\cdot y \\ge \\theta`. A :class:`DendriticNeuron` is the HTM neuron: an OR
over its segments. A :class:`PatternDetectorLayer` is many neurons listening to one
population.

Learning is one-shot: a segment learns a pattern by growing synapses onto a random
subsample of ``s`` of its active cells; further patterns add their synapses to the same
segment (the union property, :func:`dendrites.theory.union_false_match_probability`).
Patterns are boolean vectors of length ``n`` (shape ``(n,)`` or ``(P, n)``), e.g. from
``dendrites.simulate.random_sdrs(..., dense=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from workbench.validation import check_array, check_int, check_seed

__all__ = ["DendriticNeuron", "DendriticSegment", "DetectionReport", "PatternDetectorLayer"]

#: test patterns processed per sparse product (memory bound).
_PATTERN_CHUNK = 4096


def _check_patterns(patterns, n, name="patterns"):
    """Boolean ``(P, n)`` view of ``patterns`` and whether the input was one vector."""
    arr = check_array(patterns, name, ndim=(1, 2), dtype=None)
    if arr.dtype.kind not in "biu" or (arr.dtype.kind != "b" and np.any((arr != 0) & (arr != 1))):
        raise ValueError(f"{name} must be a boolean (0/1) array")
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} columns (one per cell), got shape {arr.shape}")
    single = arr.ndim == 1
    return np.atleast_2d(arr.astype(bool, copy=False)), single


def _overlaps(synapse_sets, n, patterns):
    """``(P, len(synapse_sets))`` overlaps of boolean patterns with each synapse set."""
    indptr = np.zeros(len(synapse_sets) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(x) for x in synapse_sets])
    indices = np.concatenate(synapse_sets) if synapse_sets else np.empty(0, np.int64)
    weights = sparse.csr_matrix((np.ones(indices.size, dtype=np.int32), indices, indptr),
                                shape=(len(synapse_sets), n))
    out = np.empty((patterns.shape[0], len(synapse_sets)), dtype=np.int32)
    for start in range(0, patterns.shape[0], _PATTERN_CHUNK):
        block = patterns[start:start + _PATTERN_CHUNK].T.astype(np.int32)
        out[start:start + _PATTERN_CHUNK] = (weights @ block).T
    return out


class DendriticSegment:
    """A dendritic segment: synapses onto cells of an ``n``-cell population, threshold θ.

    Parameters
    ----------
    n : int
        Cells in the presynaptic population, ``n >= 1``.
    theta : int
        NMDA-spike threshold (active synapses needed), ``theta >= 1``.
    synapses : array_like of int, optional
        Initial presynaptic cells, each in ``[0, n - 1]`` (duplicates merged).

    Notes
    -----
    The segment spikes iff :math:`x_i \\cdot y \\ge \\theta` with :math:`x_i` its binary
    synapse vector and :math:`y` the active cells (Ahmad & Hawkins 2016). A random ``a``-of-``n`` pattern
    does so with probability :func:`dendrites.theory.false_match_probability`.
    """

    def __init__(self, n, theta, synapses=None):
        self.n = check_int(n, "n", 1)
        self.theta = check_int(theta, "theta", 1)
        self.n_patterns = 0
        if synapses is None:
            self.synapses = np.empty(0, dtype=np.int64)
        else:
            syn = np.atleast_1d(check_int(synapses, "synapses", 0, self.n - 1))
            self.synapses = np.unique(syn).astype(np.int64)

    @property
    def size(self) -> int:
        """Number of synapses (distinct presynaptic cells)."""
        return int(self.synapses.size)

    def learn(self, pattern, s, seed=None):
        """One-shot learning: grow synapses onto ``s`` random active cells of ``pattern``.

        Parameters
        ----------
        pattern : array_like of bool, shape (n,)
            The pattern to store.
        s : int
            Synapses to grow, ``theta <= s <= number of active cells``.
        seed : int, numpy.random.Generator or None
            Randomness of the subsample.

        Returns
        -------
        numpy.ndarray
            The cells that received new synapses (already-present ones included).

        Notes
        -----
        Subsampling (Ahmad & Hawkins 2016; :func:`dendrites.theory.false_match_probability`):
        a segment needs only ``s`` of the ``a`` active cells; after learning the stored
        pattern reaches θ whenever at least θ of these ``s`` cells are active. Storing
        several patterns forms their union (the union property).
        """
        patterns, _ = _check_patterns(pattern, self.n, "pattern")
        if patterns.shape[0] != 1:
            raise ValueError(f"pattern must be one vector of length {self.n}")
        active = np.flatnonzero(patterns[0])
        s = check_int(s, "s", self.theta, max(self.theta, active.size))
        if active.size < s:
            raise ValueError(f"pattern must have at least s={s} active cells, got {active.size}")
        chosen = check_seed(seed).choice(active, size=s, replace=False)
        self.synapses = np.union1d(self.synapses, chosen).astype(np.int64)
        self.n_patterns += 1
        return np.sort(chosen)

    def overlap(self, patterns):
        """Active synapses :math:`x_i \\cdot y` for each pattern (int array, or int for one)."""
        pats, single = _check_patterns(patterns, self.n)
        out = pats[:, self.synapses].sum(axis=1)
        return int(out[0]) if single else out

    def is_active(self, patterns):
        """Whether each pattern drives the segment to a dendritic spike (overlap ``>= θ``)."""
        out = np.asarray(self.overlap(patterns)) >= self.theta
        return bool(out) if out.ndim == 0 else out


class DendriticNeuron:
    """HTM neuron: ``K`` independent segments; it spikes if any segment reaches θ.

    Parameters
    ----------
    n : int
        Cells in the presynaptic population, ``n >= 1``.
    theta : int
        NMDA threshold of every segment, ``theta >= 1``.
    n_segments : int
        Segments ``K``, ``>= 1``.
    synapses_per_pattern : int
        Synapses ``s`` grown per learned pattern, ``>= theta``.
    seed : int, numpy.random.Generator or None
        Randomness of the subsamples.

    Notes
    -----
    Pattern ``j`` is stored on segment ``j mod K`` (round robin), so after ``K M`` patterns
    every segment holds a union of ``M``. For random patterns the neuron's false-match
    probability is :math:`1-(1-p)^K`, with ``p`` the union segment probability
    (Ahmad & Hawkins 2016; :func:`dendrites.theory.neuron_false_match_probability`).
    """

    def __init__(self, n, theta, n_segments, synapses_per_pattern, seed=None):
        self.n = check_int(n, "n", 1)
        self.theta = check_int(theta, "theta", 1)
        k = check_int(n_segments, "n_segments", 1)
        self.synapses_per_pattern = check_int(synapses_per_pattern, "synapses_per_pattern",
                                              self.theta, self.n)
        self._rng = check_seed(seed)
        self.segments = [DendriticSegment(self.n, self.theta) for _ in range(k)]
        self.n_patterns = 0

    @property
    def n_segments(self) -> int:
        """Number of segments K."""
        return len(self.segments)

    def learn(self, pattern):
        """Store ``pattern`` (boolean, length n) on the next segment; returns its index."""
        index = self.n_patterns % self.n_segments
        self.segments[index].learn(pattern, self.synapses_per_pattern, self._rng)
        self.n_patterns += 1
        return index

    def segment_overlaps(self, patterns):
        """``(P, K)`` active-synapse counts of every segment for each pattern."""
        pats, single = _check_patterns(patterns, self.n)
        out = _overlaps([seg.synapses for seg in self.segments], self.n, pats)
        return out[0] if single else out

    def fires(self, patterns):
        """Whether each pattern makes at least one segment spike (bool array, or bool)."""
        out = np.asarray(self.segment_overlaps(patterns)) >= self.theta
        out = out.any(axis=-1)
        return bool(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class DetectionReport:
    """Counts of a detector's decisions against the truth on a stream of patterns.

    Attributes
    ----------
    true_positives, false_positives, true_negatives, false_negatives : int
        Decision counts over all (pattern, neuron) pairs.
    """

    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int

    @property
    def false_positive_rate(self) -> float:
        """``FP / (FP + TN)`` (NaN without negatives)."""
        neg = self.false_positives + self.true_negatives
        return self.false_positives / neg if neg else float("nan")

    @property
    def false_negative_rate(self) -> float:
        """``FN / (FN + TP)`` (NaN without positives)."""
        pos = self.false_negatives + self.true_positives
        return self.false_negatives / pos if pos else float("nan")

    @property
    def precision(self) -> float:
        """``TP / (TP + FP)`` (NaN without any detection)."""
        det = self.true_positives + self.false_positives
        return self.true_positives / det if det else float("nan")

    @property
    def recall(self) -> float:
        """``TP / (TP + FN)``."""
        return 1.0 - self.false_negative_rate


class PatternDetectorLayer:
    """Many dendritic neurons over one population of ``n`` cells.

    Parameters
    ----------
    n_neurons : int
        Neurons in the layer, ``>= 1``.
    n : int
        Cells in the presynaptic population, ``>= 1``.
    theta : int
        NMDA threshold, ``>= 1``.
    n_segments : int
        Segments per neuron, ``>= 1``.
    synapses_per_pattern : int
        Synapses grown per learned pattern, ``theta <= s <= n``.
    seed : int, numpy.random.Generator or None
        Randomness of the subsamples.

    Notes
    -----
    Neuron ``j`` detects the patterns it learned (:meth:`learn`); any other pattern that
    makes it fire is a false positive, any learned pattern (possibly noisy) that does not is a
    false negative (Ahmad & Hawkins 2016).
    """

    def __init__(self, n_neurons, n, theta, n_segments, synapses_per_pattern, seed=None):
        count = check_int(n_neurons, "n_neurons", 1)
        rng = check_seed(seed)
        self.n = check_int(n, "n", 1)
        self.theta = check_int(theta, "theta", 1)
        self.neurons = [DendriticNeuron(self.n, self.theta, n_segments, synapses_per_pattern, rng)
                        for _ in range(count)]

    @property
    def n_neurons(self) -> int:
        """Number of neurons."""
        return len(self.neurons)

    def learn(self, patterns, neurons):
        """One-shot storage: ``patterns[i]`` is learned by neuron ``neurons[i]``.

        Parameters
        ----------
        patterns : array_like of bool, shape (P, n)
            Patterns to store.
        neurons : array_like of int, shape (P,)
            Index of the neuron that learns each pattern, in ``[0, n_neurons - 1]``.
        """
        pats, _ = _check_patterns(patterns, self.n)
        targets = np.atleast_1d(check_int(neurons, "neurons", 0, self.n_neurons - 1))
        if targets.shape != (pats.shape[0],):
            raise ValueError(f"neurons must have shape ({pats.shape[0]},), got {targets.shape}")
        for pattern, j in zip(pats, targets.tolist()):
            self.neurons[j].learn(pattern)

    def respond(self, patterns):
        """``(P, n_neurons)`` boolean responses (a dendritic spike on any segment)."""
        pats, single = _check_patterns(patterns, self.n)
        sets = [seg.synapses for neuron in self.neurons for seg in neuron.segments]
        k = self.neurons[0].n_segments
        over = _overlaps(sets, self.n, pats).reshape(pats.shape[0], self.n_neurons, k)
        out = (over >= self.theta).any(axis=2)
        return out[0] if single else out

    def evaluate(self, patterns, targets):
        """Compare responses with the truth on a stream of patterns.

        Parameters
        ----------
        patterns : array_like of bool, shape (P, n)
            The stream.
        targets : array_like of bool, shape (P, n_neurons)
            Whether each neuron should detect each pattern.

        Returns
        -------
        DetectionReport
            True/false positives and negatives over all (pattern, neuron) pairs.
        """
        pats, _ = _check_patterns(patterns, self.n)
        truth = check_array(targets, "targets", shape=(pats.shape[0], self.n_neurons), dtype=None)
        if truth.dtype.kind not in "biu":
            raise ValueError("targets must be a boolean array")
        truth = truth.astype(bool)
        got = self.respond(pats)
        return DetectionReport(true_positives=int(np.sum(got & truth)),
                               false_positives=int(np.sum(got & ~truth)),
                               true_negatives=int(np.sum(~got & ~truth)),
                               false_negatives=int(np.sum(~got & truth)))
