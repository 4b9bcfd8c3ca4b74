"""Counting SDRs and the false-match / false-negative probability of one dendritic segment."""

from __future__ import annotations

from math import comb

import numpy as np

from .exact import _check_le, _finish, _int_array, _map, _tail

__all__ = ["false_match_probability", "false_negative_probability", "n_sdrs", "overlap_set_size"]


def _as_output(values, shape, exact):
    if exact:
        out = np.empty(shape, dtype=object)
        out.reshape(-1)[:] = values
        return out[()] if out.ndim == 0 else out
    floats = [float(v) if v.bit_length() < 1024 else np.inf for v in values]
    return _finish(np.asarray(floats, dtype=np.float64).reshape(shape))


def n_sdrs(n, a, *, exact=False):
    """Number of distinct SDRs with ``a`` of ``n`` bits on.

    Parameters
    ----------
    n : int or array_like of int
        Population size, ``n >= 1``.
    a : int or array_like of int
        Number of active bits, ``0 <= a <= n``.
    exact : bool, default False
        Return Python integers (object array) instead of float64 (``inf`` past 1.8e308).

    Returns
    -------
    float or numpy.ndarray
        :math:`|\\Omega_n(a)| = \\binom{n}{a}` (Ahmad & Hawkins 2016, capacity of SDRs);
        e.g. ``n_sdrs(2048, 40)`` is about 2.37e84.

    Notes
    -----
    The probability that two random SDRs are identical is :math:`1/\\binom{n}{a}`.
    """
    n = _int_array(n, "n", 1)
    a = _int_array(a, "a", 0)
    _check_le(a, "a", n, "n")
    nb, ab = np.broadcast_arrays(n, a)
    values = [comb(x, y) for x, y in zip(nb.reshape(-1).tolist(), ab.reshape(-1).tolist())]
    return _as_output(values, nb.shape, exact)


def overlap_set_size(n, a_x, b, a_y, *, exact=False):
    """Number of SDRs with ``a_y`` bits on that overlap a fixed ``a_x``-bit SDR in exactly ``b``.

    Parameters
    ----------
    n : int or array_like of int
        Population size, ``n >= 1``.
    a_x : int or array_like of int
        Active bits of the fixed vector x, ``0 <= a_x <= n``.
    b : int or array_like of int
        Overlap, ``0 <= b <= a_x``.
    a_y : int or array_like of int
        Active bits of the counted vectors y, ``0 <= a_y <= n``.
    exact : bool, default False
        Return Python integers (object array) instead of float64.

    Returns
    -------
    float or numpy.ndarray
        :math:`|\\Omega_n(a_x, b, a_y)| = \\binom{a_x}{b}\\binom{n-a_x}{a_y-b}` (Ahmad & Hawkins 2016,
        overlap set),
        zero when ``b > a_y``.
    """
    n = _int_array(n, "n", 1)
    a_x = _int_array(a_x, "a_x", 0)
    b = _int_array(b, "b", 0)
    a_y = _int_array(a_y, "a_y", 0)
    _check_le(a_x, "a_x", n, "n")
    _check_le(a_y, "a_y", n, "n")
    _check_le(b, "b", a_x, "a_x")
    arrs = np.broadcast_arrays(n, a_x, b, a_y)
    values = [comb(ax, bb) * comb(nn - ax, ay - bb) if ay >= bb else 0
              for nn, ax, bb, ay in zip(*(x.reshape(-1).tolist() for x in arrs))]
    return _as_output(values, arrs[0].shape, exact)


# -- the segment equations ----------------------------------------------------------------------

def _segment_args(n, a, s, theta):
    n = _int_array(n, "n", 1)
    a = _int_array(a, "a", 0)
    s = _int_array(s, "s", 1)
    theta = _int_array(theta, "theta", 1)
    _check_le(a, "a", n, "n")
    _check_le(s, "s", n, "n")
    _check_le(theta, "theta", s, "s")
    return n, a, s, theta


def false_match_probability(n, a, s, theta):
    """Probability that a random ``a``-of-``n`` SDR reaches θ on a segment of ``s`` synapses.

    Parameters
    ----------
    n : int or array_like of int
        Cells in the presynaptic population, ``n >= 1``.
    a : int or array_like of int
        Active cells of the random pattern, ``0 <= a <= n``.
    s : int or array_like of int
        Synapses on the segment, ``1 <= s <= n``.
    theta : int or array_like of int
        NMDA-spike threshold, ``1 <= theta <= s``.

    Returns
    -------
    float or numpy.ndarray
        The false-match (false-positive) probability, broadcast over all arguments.

    Notes
    -----
    Ahmad & Hawkins (2016), main equation (subsampling onto a segment of ``s`` synapses):

    .. math::

        P_{FP}(n,a,s,\\theta) = \\frac{\\sum_{b=\\theta}^{s}\\binom{s}{b}\\binom{n-s}{a-b}}
                                      {\\binom{n}{a}},

    the upper tail of a hypergeometric distribution (population n, s marked cells, a draws).
    Evaluated with exact integers and one correctly-rounded division, never term by term in
    floating point (which underflows to a spurious 0 for large n).

    Examples
    --------
    >>> float(false_match_probability(10_000, 300, 24, 12))  # doctest: +ELLIPSIS
    8.3758452270...e-13
    """
    n, a, s, theta = _segment_args(n, a, s, theta)
    return _finish(_map(lambda nn, aa, ss, tt: _tail(nn, ss, aa, tt), n, a, s, theta))


def false_negative_probability(a, s, theta, v):
    """Probability that a stored pattern with ``v`` of its ``a`` bits replaced misses θ.

    Parameters
    ----------
    a : int or array_like of int
        Active cells of the stored pattern, ``a >= 1``.
    s : int or array_like of int
        Synapses the segment formed on the pattern's cells, ``1 <= s <= a``.
    theta : int or array_like of int
        NMDA-spike threshold, ``1 <= theta <= s``.
    v : int or array_like of int
        Noise bits: active cells removed (and replaced by cells outside the pattern),
        ``0 <= v <= a``.

    Returns
    -------
    float or numpy.ndarray
        The false-negative probability (independent of n).

    Notes
    -----
    Ahmad & Hawkins (2016), robustness to noise (notebook ``noiseFN``): the segment fails iff
    more than ``s - θ`` of its synapses lost their input,

    .. math::

        P_{FN}(a,s,\\theta,v) = \\frac{\\sum_{b=s-\\theta+1}^{\\min(s,v)}
                                \\binom{s}{b}\\binom{a-s}{v-b}}{\\binom{a}{v}},

    i.e. ``hypergeom.sf(s - θ, M=a, n=s, N=v)``. It is exactly 0 for ``v <= s - θ``.
    """
    a = _int_array(a, "a", 1)
    s = _int_array(s, "s", 1)
    theta = _int_array(theta, "theta", 1)
    v = _int_array(v, "v", 0)
    _check_le(s, "s", a, "a")
    _check_le(theta, "theta", s, "s")
    _check_le(v, "v", a, "a")
    return _finish(_map(lambda aa, ss, tt, vv: _tail(aa, ss, vv, ss - tt + 1), a, s, theta, v))
