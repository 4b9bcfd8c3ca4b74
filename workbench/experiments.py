"""The workbench's own experiments: generate and store a Lorenz-63 or Rössler trajectory.

Each experiment declares its parameters once (``param`` attributes), integrates the system with
:mod:`workbench.systems`, writes the array ``trajectory`` with dims ``("time", "dim")``, a 3-D
plot ``attractor`` (PNG) and summary metrics (mean, std, min, max and dominant frequency of
each dimension). Registered through the ``workbench.experiments`` entry point as
``EXPERIMENTS``.
"""

from __future__ import annotations

import math

import numpy as np
import param

from .experiment import Experiment, defaults
from .outputs import Array, Coordinate, Figure, Metric, Outputs, write_coordinate
from .validation import check_array, check_positive

__all__ = [
    "EXPERIMENTS",
    "Lorenz63Experiment",
    "RosslerExperiment",
    "dominant_frequency",
    "trajectory_summary",
]

#: Names of the three state variables of the flows, used in metric keys (``mean_x``, ...).
VARIABLES = ("x", "y", "z")

#: At most this many points are drawn in the attractor plot (evenly strided).
_MAX_PLOT_POINTS = 20_000


def dominant_frequency(series, dt=1.0, smoothing=5.0):
    """Frequency of the largest peak of each dimension's power spectrum.

    Parameters
    ----------
    series : array_like, shape (T, d), T >= 2
        Finite time series sampled every ``dt``.
    dt : float, > 0
        Sampling interval.
    smoothing : float, >= 0
        Std (in frequency bins) of the Gaussian kernel applied to the spectrum before taking
        the maximum (0: raw periodogram).

    Returns
    -------
    numpy.ndarray, shape (d,)
        Frequencies in cycles per unit time.

    Notes
    -----
    With :math:`P_i(f_m) = |\\mathrm{rfft}(x_i - \\bar x_i)|^2` at :math:`f_m = m / (T\\,dt)`,
    smoothed along :math:`m` by a Gaussian of std ``smoothing`` bins (reflect padding, as the
    D_H spectra of the AL-RNN research note §3.3), the result is
    :math:`f_{m^*}`, :math:`m^* = \\arg\\max_{m \\ge 1} \\tilde P_i(f_m)`.
    The zero frequency is excluded. For broadband signals (Lorenz x and y) the peak sits at
    the low-frequency end and varies between trajectories.
    """
    x = check_array(series, "series", ndim=2, min_length=2)
    check_positive(dt, "dt")
    check_positive(smoothing, "smoothing", strict=False)
    power = np.abs(np.fft.rfft(x - x.mean(axis=0), axis=0)) ** 2
    if smoothing > 0:
        from scipy.ndimage import gaussian_filter1d

        power = gaussian_filter1d(power, smoothing, axis=0, mode="reflect")
    freqs = np.fft.rfftfreq(x.shape[0], d=dt)
    return freqs[1 + np.argmax(power[1:], axis=0)]


def trajectory_summary(traj, dt, names=VARIABLES):
    """Scalar summary of a trajectory: mean, std, min, max and dominant frequency per dim.

    Parameters
    ----------
    traj : array_like, shape (T, d), T >= 2
        Finite trajectory.
    dt : float, > 0
        Sampling interval.
    names : sequence of str, length d
        Variable names used in the keys.

    Returns
    -------
    dict
        ``{"mean_<name>": float, "std_<name>", "min_<name>", "max_<name>",
        "dominant_frequency_<name>"}`` (std with ddof = 0; frequency from
        :func:`dominant_frequency`).
    """
    x = check_array(traj, "traj", ndim=2, min_length=2)
    if len(names) != x.shape[1]:
        raise ValueError(f"names must have {x.shape[1]} entries (one per dim), got {len(names)}")
    stats = {
        "mean": x.mean(axis=0),
        "std": x.std(axis=0),
        "min": x.min(axis=0),
        "max": x.max(axis=0),
        "dominant_frequency": dominant_frequency(x, dt),
    }
    return {f"{stat}_{name}": float(values[i])
            for stat, values in stats.items() for i, name in enumerate(names)}


def _attractor_figure(traj, title):
    """3-D line plot of a ``(T, 3)`` trajectory as a :class:`matplotlib.figure.Figure`."""
    from matplotlib.figure import Figure

    stride = max(1, math.ceil(traj.shape[0] / _MAX_PLOT_POINTS))
    pts = traj[::stride]
    fig = Figure(figsize=(5.5, 5.0), dpi=100)
    ax = fig.add_subplot(projection="3d")
    ax.plot(pts[:, 0], pts[:, 1], pts[:, 2], linewidth=0.3, color="tab:blue")
    ax.set_xlabel(VARIABLES[0])
    ax.set_ylabel(VARIABLES[1])
    ax.set_zlabel(VARIABLES[2])
    ax.set_title(title)
    return fig


class _FlowExperiment(Experiment):
    """Shared body of the 3-D flow experiments; subclasses declare the system parameters.

    A run holds the array ``trajectory`` (dims ``("time", "dim")``, attrs ``dt``,
    ``variables``, ``zscored``), the PNG figure ``attractor`` and the metrics of
    :func:`trajectory_summary` (``mean_x`` ... ``dominant_frequency_z``).
    """

    __abstract = True

    # Samples of a trajectory (the reservoirs' ``n_steps`` are task or simulation lengths).
    n_steps = param.Integer(100_000, bounds=(100, None), doc="Number of samples recorded.")
    transient = param.Integer(5000, bounds=(0, None),
                              doc="Samples integrated and discarded before recording.")
    zscore = param.Boolean(True, doc="Standardise each dimension to mean 0, std 1.")
    # Observation noise (the AL-RNN's ``noise`` is training noise, another quantity).
    noise = param.Number(0.0, bounds=(0.0, None),
                         doc="Std of Gaussian observation noise, relative to each dimension's std.")
    # The flow's sampling interval (the AL-RNN's ``dt`` is that of a data file).
    dt = param.Number(0.01, bounds=(0.0, None), inclusive_bounds=(False, True),
                      doc="Sampling interval.")

    outputs = Outputs(
        metrics=(Metric("mean_{v}", "Mean of variable v (x, y or z) over the trajectory."),
                 Metric("std_{v}", "Standard deviation of variable v (ddof 0)."),
                 Metric("min_{v}", "Smallest value of variable v."),
                 Metric("max_{v}", "Largest value of variable v."),
                 Metric("dominant_frequency_{v}", "Frequency of the largest (smoothed) spectral "
                        "peak of variable v.", "1/time")),
        arrays=(Array("trajectory", ("time", "dim"), "The recorded trajectory (z-scored if "
                      "zscore); dim: x, y, z."),),
        coords=(Coordinate("time", "Time of each sample, i * dt (after the transient).", "time"),),
        figures=(Figure("attractor", "3-D plot of the attractor"),),
    )

    #: Title of the attractor plot.
    title = ""
    #: The system generator: a name in :mod:`workbench.systems` (imported when the run
    #: starts) or a callable (set by subclasses).
    generator = ""

    def memory_estimate(self):
        out = super().memory_estimate()
        out["n_steps"] = 8 * 3 * 6 * float(self.n_steps + self.transient)
        return out

    def system_params(self) -> dict:
        """Keyword arguments of the system generator (the system's own parameters)."""
        raise NotImplementedError

    def execute(self, run, progress):
        def integration_progress(fraction, message=""):
            progress(0.9 * fraction, message)

        from . import systems

        generate = self.generator if callable(self.generator) else getattr(systems, self.generator)
        traj = generate(n_steps=self.n_steps, dt=self.dt, transient=self.transient,
                             zscore=self.zscore, noise=self.noise, seed=self.seed,
                             progress=integration_progress, **self.system_params())
        progress(0.9, "writing")
        run.write("trajectory", traj, dims=("time", "dim"),
                  attrs={"dt": self.dt, "variables": list(VARIABLES), "zscored": self.zscore})
        write_coordinate(run, "time", np.arange(traj.shape[0]) * self.dt, "time")
        for key, value in trajectory_summary(traj, self.dt).items():
            run.metrics[key] = value
        run.save_figure("attractor", _attractor_figure(traj, self.title))


@defaults(dt=0.01)
class Lorenz63Experiment(_FlowExperiment):
    """Generate a Lorenz-63 trajectory with :func:`workbench.systems.lorenz63`.

    Defaults are those of the AL-RNN reference data (the AL-RNN research note §4): σ = 10,
    ρ = 28, β = 8/3, dt = 0.01, 1e5 z-scored samples.
    """

    kind = "systems.lorenz63"
    title = "Lorenz-63"
    generator = "lorenz63"

    sigma = param.Number(10.0, bounds=(0.0, 100.0), inclusive_bounds=(False, True),
                         doc="Prandtl number σ.")
    rho = param.Number(28.0, bounds=(0.0, 500.0), inclusive_bounds=(False, True),
                       doc="Rayleigh ratio ρ.")
    beta = param.Number(8.0 / 3.0, bounds=(0.0, 20.0), inclusive_bounds=(False, True),
                        doc="Geometric factor β.")

    def system_params(self):
        return {"sigma": self.sigma, "rho": self.rho, "beta": self.beta}


@defaults(dt=0.08)
class RosslerExperiment(_FlowExperiment):
    """Generate a Rössler trajectory with :func:`workbench.systems.rossler`.

    Defaults are those of the AL-RNN reference data (the AL-RNN research note §4): a = b = 0.2,
    c = 5.7, dt = 0.08, 1e5 z-scored samples.
    """

    kind = "systems.rossler"
    title = "Rössler"
    generator = "rossler"

    # Bounds keep the flow in the regime DOP853 integrates quickly; far outside them the
    # Rössler system becomes stiff or escapes to infinity.
    # Rössler's a (the dendrites' ``a`` counts active cells).
    a = param.Number(0.2, bounds=(0.0, 0.5), doc="Parameter a (chaotic band ~0.1-0.4).")
    b = param.Number(0.2, bounds=(0.0, 2.0), doc="Parameter b.")
    c = param.Number(5.7, bounds=(0.5, 20.0), doc="Parameter c (chaotic for c > ~4.2).")

    def system_params(self):
        return {"a": self.a, "b": self.b, "c": self.c}


#: The experiments registered by ``workbench`` (entry point ``workbench.experiments``).
EXPERIMENTS = [Lorenz63Experiment, RosslerExperiment]
