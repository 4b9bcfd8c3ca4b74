"""Sparse random wiring of the spiking E/I network (Vogels & Abbott 2005 style).

Every ordered pair of distinct neurons is connected independently with probability ``p``
(Erdős–Rényi, as in the Brette et al. 2007 CUBA/COBA benchmarks: 4 000 neurons, 80/20 E/I,
``p = 0.02``). Neurons ``0 .. n_exc-1`` are excitatory, the rest inhibitory. Drawing the
graph in NumPy (not with brian2's ``connect(p=...)``) makes it identical for every
code-generation target and reproducible from the reservoir's seed.
"""

from __future__ import annotations

import numpy as np

from workbench.validation import check_int, check_probability, check_seed

__all__ = ["bernoulli_edges"]


def bernoulli_edges(n_pre, n_post, p, rng=None, *, offset_pre=0, offset_post=0,
                    autapses=False):
    """Random directed edges ``pre -> post``, each present with probability ``p``.

    Parameters
    ----------
    n_pre, n_post : int
        Sizes of the source and target populations (>= 1).
    p : float
        Connection probability in [0, 1].
    rng : numpy.random.Generator or int, optional
        Random source.
    offset_pre, offset_post : int
        Global index of the first neuron of each population; used to exclude
        self-connections when both populations overlap.
    autapses : bool
        Allow ``i -> i`` connections (default False).

    Returns
    -------
    pre, post : numpy.ndarray of int64
        Indices local to each population, sorted by ``post`` then ``pre``.

    Notes
    -----
    The pairs are enumerated post-major (``index = post * n_pre + pre``) and the gaps
    between consecutive connected pairs are drawn as ``Geometric(p)`` variables, which gives
    exactly independent Bernoulli(p) trials in O(number of edges) time; self-pairs are then
    removed (Bernoulli trials on the remaining pairs are unaffected).
    """
    n_pre = check_int(n_pre, "n_pre", 1)
    n_post = check_int(n_post, "n_post", 1)
    check_probability(p, "p")
    rng = check_seed(rng, "rng")
    total = n_pre * n_post
    if p == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    chunks, position = [], -1
    while position < total - 1:
        size = int(total * p + 5 * np.sqrt(total * p) + 16)
        steps = np.cumsum(rng.geometric(p, size=size)) + position
        chunks.append(steps[steps < total])
        position = int(steps[-1])
    flat = np.concatenate(chunks).astype(np.int64)
    post, pre = np.divmod(flat, n_pre)
    if not autapses:
        keep = pre + offset_pre != post + offset_post
        pre, post = pre[keep], post[keep]
    return pre, post
