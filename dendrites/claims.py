"""Claims of Ahmad & Hawkins 2016 checked by ``workbench reproduce``.

Paper values are the exact values of Ahmad & Hawkins 2016 (Numenta's scripts for the paper's
figures, recomputed with exact integers); the simulated points must
fall inside their 95 % confidence intervals about as often as a 95 % interval should.
"""

from __future__ import annotations

from workbench.reproduce import Claim

__all__ = ["CLAIMS"]

PAPER = "Ahmad & Hawkins 2016"


def _exact(metric: str, target: float, rel: float = 1e-3):
    def evaluate(run):
        value = float(run.metrics[metric])
        return f"{value:.5g}", abs(value - target) <= rel * abs(target)

    return evaluate


def _all_exact(targets: dict[str, float], rel: float = 1e-3):
    def evaluate(run):
        values = {k: float(run.metrics[k]) for k in targets}
        ok = all(abs(values[k] - t) <= rel * abs(t) for k, t in targets.items())
        return " / ".join(f"{v:.5g}" for v in values.values()), ok

    return evaluate


def _coverage(min_fraction: float = 0.8):
    def evaluate(run):
        inside, total = int(run.metrics["simulated_within_ci"]), int(run.metrics["simulated_points"])
        return f"{inside}/{total} points inside their 95 % CI", total > 0 and inside >= min_fraction * total

    return evaluate


def _optimal_theta(run):
    median = float(run.metrics["median_by_theta"]["10"])
    return (f"median P_FP(θ=10) = {median:.4g}",
            abs(median - 7.400e-11) <= 5e-3 * 7.400e-11)


def _detector(run):
    diff = int(run.metrics["capacity_max_abs_diff"])
    sim = run.metrics["capacity_simulated"]
    th = run.metrics["capacity_theory"]
    agree = sum(sim[k] == th[k] for k in sim)
    return f"simulated = theory in {agree}/{len(sim)} (θ, s) pairs; max |Δ| = {diff} patterns", None


_QUICK = {"n_samples": 200_000}

CLAIMS = [
    Claim("dendrites.P_FP", PAPER, "False-match probability of a 24-synapse segment (θ=12), n=10 000, a=300",
          "8.376e-13", "dendrites.false_match_vs_n", _exact("p_fp_n10000_a300", 8.37584522709849e-13),
          params={}, quick_params=_QUICK, figure="false_match_vs_n"),
    Claim("dendrites.fig_A", PAPER,
          "False matches fall with n (s=24, θ=12): P_FP at n=19 900 for a=64/128/256",
          "1.0750e-24 / 7.4931e-21 / 3.7418e-17", "dendrites.false_match_vs_n",
          _all_exact({"p_fp_a64_n19900": 1.0750e-24, "p_fp_a128_n19900": 7.4931e-21,
                      "p_fp_a256_n19900": 3.7418e-17}),
          params={}, quick_params=_QUICK),
    Claim("dendrites.fig_B", PAPER, "Monte-Carlo false-match rates agree with the theory (Fig. B)",
          "simulation on the theory curve", "dendrites.false_match_vs_n", _coverage(),
          params={}, quick_params=_QUICK),
    Claim("dendrites.fig_C", PAPER, "False matches fall steeply with s at θ = s/2; simulation agrees",
          "simulation on the theory curve", "dendrites.false_match_vs_s", _coverage(),
          params={}, quick_params=_QUICK, figure="false_match_vs_s"),
    Claim("dendrites.fig_D", PAPER, "Noise tolerance: P_FN(a=128, s=30, θ=12) with half the pattern replaced",
          "0.0717", "dendrites.noise", _exact("p_fn_theta12_v64", 0.0716985160403564),
          params={}, quick_params=_QUICK, figure="noise"),
    Claim("dendrites.fig_D_sim", PAPER, "Monte-Carlo false negatives under noise agree with the theory",
          "simulation on the theory curve", "dendrites.noise", _coverage(),
          params={}, quick_params=_QUICK),
    Claim("dendrites.fig_E", PAPER, "Union of M=10 patterns on one segment (a=200, s=25, θ=15, n=10 000)",
          "1.2708e-4", "dendrites.union", _exact("p_union_n10000_M10", 1.27080441383853e-4),
          params={}, quick_params={"n_samples": 50_000}, figure="union"),
    Claim("dendrites.fig_E2", PAPER, "Synapses on a union segment at M=19 (n=1000, s=20/25/30)",
          "318.8 / 381.9 / 439.4", "dendrites.union",
          _all_exact({"union_synapses_s20_M19": 318.8, "union_synapses_s25_M19": 381.9,
                      "union_synapses_s30_M19": 439.4}, rel=5e-4),
          params={}, quick_params={"n_samples": 50_000}),
    Claim("dendrites.fig_F", PAPER,
          "Median false-match rate over the paper's grid at θ=10 (optimal-threshold analysis)",
          "7.40e-11", "dendrites.optimal_threshold", _optimal_theta,
          params={}, quick_params=_QUICK, figure="optimal_threshold"),
    Claim("dendrites.detectors", "this workbench",
          "One-shot dendritic detectors: capacity at 1 % error matches theory",
          "(no paper value)", "dendrites.detector_capacity", _detector,
          params={}, quick_params={"n_detectors": 4, "n_test": 1000}, figure="detector_capacity"),
]
