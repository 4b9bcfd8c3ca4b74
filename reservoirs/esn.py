"""The conventional baseline: a tanh echo-state network scaled to a spectral radius.

Jaeger 2001 ("The echo state approach to analysing and training recurrent neural networks",
GMD Report 148); Lukosevicius & Jaeger 2009 (review), with the update

.. math::

    x(t+1) = (1-a)\\,x(t) + a \\tanh\\big(W x(t) + W^{in} u(t) + b\\big),

where ``W`` is a sparse random matrix rescaled so that its spectral radius is ``rho_W``.
It presents the same reservoir protocol as :class:`reservoirs.EIReservoir`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, eigs

from workbench.validation import check_int, check_positive, check_range, check_seed

from .base import RateReservoir
from .connectivity import graph_edges, input_matrix
from .dynamics import RateSystem

__all__ = ["EchoStateNetwork", "spectral_radius"]


def spectral_radius(matrix) -> float:
    """Largest eigenvalue modulus of a square (sparse) matrix.

    Uses ARPACK for matrices above 64 rows (falls back to a dense solve if it does not
    converge), dense ``numpy.linalg.eigvals`` otherwise.
    """
    m = sp.csr_matrix(matrix)
    if m.shape[0] > 64:
        try:
            vals = eigs(m, k=1, which="LM", return_eigenvectors=False, tol=1e-6,
                        v0=np.ones(m.shape[0]))
            return float(np.abs(vals).max())
        except ArpackNoConvergence:
            pass
    return float(np.abs(np.linalg.eigvals(m.toarray())).max())


_radius = spectral_radius  # the constructor's argument shadows the function's name


class EchoStateNetwork(RateReservoir):
    """tanh echo-state network with a sparse recurrent matrix of given spectral radius.

    Parameters
    ----------
    n_neurons : int
        Reservoir size, >= 10.
    n_inputs : int
        Input dimension, >= 1.
    spectral_radius : float
        Target ``rho(W)`` > 0 (echo-state property typically for < 1 at zero input).
    in_degree : int
        Links into each neuron (default 50, like the E/I reservoir).
    input_scaling : float
        Input weights ``U(-s, s)`` on every neuron (``input_fraction`` of them).
    input_fraction : float
        Share of neurons receiving input, in (0, 1].
    bias_scaling : float
        Biases ``b_i ~ U(-s_b, s_b)`` (0: no bias).
    leak_rate : float
        ``a`` in (0, 1].
    seed : int, Generator or None

    Notes
    -----
    Recurrent weights ``N(0, 1)`` on a random fixed in-degree graph, then
    ``W <- rho_W W / rho(W)`` (Jaeger 2001). Initial state 0.
    """

    def __init__(self, n_neurons=500, n_inputs=1, *, spectral_radius=0.9, in_degree=50,
                 input_scaling=1.0, input_fraction=1.0, bias_scaling=0.0, leak_rate=1.0,
                 seed=None):
        n = check_int(n_neurons, "n_neurons", 10)
        d = check_int(n_inputs, "n_inputs", 1)
        check_positive(spectral_radius, "spectral_radius")
        check_positive(bias_scaling, "bias_scaling", strict=False)
        check_range(leak_rate, "leak_rate", 0, 1, low_inclusive=False)
        rng = check_seed(seed)
        pre, post = graph_edges(n, in_degree, "random", rng=rng)
        w = sp.csr_matrix((rng.normal(size=pre.shape[0]), (post, pre)), shape=(n, n))
        w.sort_indices()
        w *= spectral_radius / _radius(w)
        win = input_matrix(n, d, input_fraction, 2.0 * input_scaling, rng)
        bias = rng.uniform(-bias_scaling, bias_scaling, size=n)
        self._initial = np.zeros(n)
        self._system = RateSystem(weights=w, input_weights=win, threshold=-bias,
                                  gain=np.ones(n), leak=np.full(n, float(leak_rate)),
                                  activation="tanh", state=self._initial.copy())
