"""Metrics shared by the reservoir and AL-RNN packages.

Dynamical-systems reconstruction measures follow the definitions of Brenner et al. 2024
("Almost-Linear RNNs Yield Highly Interpretable Symbolic Codes in Dynamical Systems
Reconstruction") and the Durstewitz-lab Julia code:

* :mod:`.attractor`: the state-space divergence :math:`D_{stsp}` (binning or Gaussian-mixture);
* :mod:`.spectral`: the power-spectrum Hellinger distance :math:`D_H`;
* :mod:`.prediction`: the n-step prediction error and the NRMSE;
* :mod:`.lyapunov`: Lyapunov exponents (QR/Benettin on Jacobians, Rosenstein on data);
* :mod:`.memory`: Jaeger's memory capacity, computed on a held-out split;
* :mod:`.reference`: D_stsp and D_H of many generated series against one reference.

Generated trajectories and predictions may contain NaN or inf (a diverging model is a
legitimate outcome): such values give NaN or large scores as documented per function.
The reference (``true``) data must be finite.
"""

from .attractor import _DENSE_MAX_CELLS, GMM_MIN_DIM, LAPLACE_ALPHA, state_space_divergence  # noqa: F401
from .lyapunov import lyapunov_spectrum, max_lyapunov, rosenstein_divergence, rosenstein_lyapunov
from .memory import MemoryCapacity, memory_capacity
from .prediction import nrmse, prediction_error
from .reference import ReferenceScores
from .spectral import hellinger_distance

__all__ = [
    "GMM_MIN_DIM",
    "LAPLACE_ALPHA",
    "MemoryCapacity",
    "ReferenceScores",
    "hellinger_distance",
    "lyapunov_spectrum",
    "max_lyapunov",
    "memory_capacity",
    "nrmse",
    "prediction_error",
    "rosenstein_divergence",
    "rosenstein_lyapunov",
    "state_space_divergence",
]
