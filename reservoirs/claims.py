"""Claims of Srinivasan, Plenz & Girvan 2025 checked by ``workbench reproduce``.

The pass criteria are those of the reproduction table in ``research/ei_reservoir.md`` §6
(direction and order of magnitude, since the paper's exact protocol is unknown).
"""

from __future__ import annotations

import numpy as np

from workbench.reproduce import Claim

__all__ = ["CLAIMS"]

PAPER = "Srinivasan, Plenz & Girvan 2025"

_SWEEP_FULL = {"n_neurons": 300, "n_balances": 16, "n_seeds": 3}
_SWEEP_QUICK = {"n_neurons": 100, "n_balances": 8, "n_seeds": 1, "mc_steps": 1500, "narma_steps": 1500,
                "k_max": 50}
_ADAPT_FULL = {"n_neurons": 300, "n_seeds": 2}
_ADAPT_QUICK = {"n_neurons": 100, "n_seeds": 1, "target_rates": [0.3, 0.5, 0.7], "input_scalings": [0.5, 1.0],
                "balances": [0.5, 1.0, 1.5, 2.0], "adapt_steps": 1000, "mc_steps": 1500, "narma_steps": 1500,
                "k_max": 50}


def _t1(run):
    m = run.metrics
    b_mc, b_narma = m["best_balance_mc"], m["best_balance_narma"]
    deficit, excess = m["excitatory_mc_deficit_pct"], m["excitatory_narma_excess_pct"]
    ok = 0.95 <= b_mc <= 1.55 and 0.95 <= b_narma <= 1.55 and deficit >= 10 and excess >= 10
    return (f"best β: MC {b_mc:.2f}, NARMA {b_narma:.2f}; β ≤ 0.8: MC −{deficit:.0f} %, "
            f"NARMA error +{excess:.0f} %"), ok


def _t2(run):
    m = run.metrics
    gain_mc, gain_narma = m["mc_homogeneous_improvement_pct_max"], m["narma_homogeneous_improvement_pct_max"]
    overall_mc, overall_narma = m["mc_homogeneous_improvement_pct_overall"], m["narma_homogeneous_improvement_pct_overall"]
    ok = overall_mc >= 0 and overall_narma >= 0 and max(gain_mc, gain_narma) >= 13.0
    return (f"largest gain MC +{gain_mc:.1f} %, NARMA error −{gain_narma:.1f} %; "
            f"best vs best MC {overall_mc:+.1f} %, NARMA {overall_narma:+.1f} %"), ok


def _t3(run):
    m = run.metrics
    het = (m["mc_heterogeneous_mean_loss_pct"], m["narma_heterogeneous_mean_loss_pct"])
    hom = (m["mc_homogeneous_mean_loss_pct"], m["narma_homogeneous_mean_loss_pct"])
    ok = het[0] < hom[0] and het[1] < hom[1]
    return (f"mean loss from own best: heterogeneous MC {het[0]:.0f} % / NARMA {het[1]:.0f} %, "
            f"homogeneous {hom[0]:.0f} % / {hom[1]:.0f} %"), ok


def _t4(run):
    m = run.metrics
    one, it = m["mc_one_step_best"], m["mc_homogeneous_best"]
    err = m["mc_one_step_rate_error_mean"]
    ok = abs(one - it) <= 0.05 * it and err <= 0.03
    return f"MC one-step {one:.2f} vs iterative {it:.2f}; rate error {err:.3f}", ok


def _t5(run):
    m = run.metrics
    hom = max(m["mc_homogeneous_rate_error_mean"], m["narma_homogeneous_rate_error_mean"])
    het = max(m["mc_heterogeneous_rate_error_mean"], m["narma_heterogeneous_rate_error_mean"])
    return f"mean |r̄_i − ρ_i|: homogeneous {hom:.3f}, heterogeneous {het:.3f}", max(hom, het) < 0.05


def _lorenz(run):
    m = run.metrics
    return f"one-step NRMSE {m['nrmse']:.2g}; closed loop D_stsp {m['d_stsp']:.2f}, D_H {m['d_h']:.3f}", None


_SPIKING_QUICK = {"n_neurons": 200, "g_values": [3.0, 5.56], "n_steps": 600, "k_max": 20,
                  "adapt_duration": 1000.0}


def _spiking_rates(run):
    rate = run["rate_exc"]
    conditions = list(run.params["conditions"])
    target = float(run.params["target_rate"])
    rows = [rate[conditions.index(c)] for c in ("homogeneous", "heterogeneous") if c in conditions]
    plastic = np.concatenate(rows) if rows else np.array([np.nan])
    static = rate[conditions.index("none")] if "none" in conditions else np.array([np.nan])
    ok = bool(np.all(np.abs(plastic - target) <= 0.3 * target))
    return (f"E rate with iSTDP {np.nanmin(plastic):.1f}–{np.nanmax(plastic):.1f} Hz (target {target:g} Hz); "
            f"without {np.nanmin(static):.1f}–{np.nanmax(static):.1f} Hz across g"), ok


def _spiking_mc(run):
    m = run.metrics
    none, hom, het = m.get("best_mc_none"), m.get("best_mc_homogeneous"), m.get("best_mc_heterogeneous")
    if none is None or hom is None:
        return "no valid MC (activity flagged)", False
    ok = max(hom, het or -np.inf) > none
    return f"best MC: static {none:.2f}, iSTDP homogeneous {hom:.2f}, heterogeneous {het:.2f}", ok


CLAIMS = [
    Claim("reservoirs.T1", PAPER, "Global E/I balance: performance peaks at β ≈ 1 or slightly above; "
          "excitation-dominated is clearly worse", "peak at β ∈ [1, 1.5]; β ≤ 0.8 clearly worse",
          "reservoirs.balance_sweep", _t1, params=_SWEEP_FULL, quick_params=_SWEEP_QUICK, figure="balance_sweep"),
    Claim("reservoirs.T2", PAPER, "Local homeostatic adaptation (homogeneous ρ) beats the best global β",
          "up to +130 %", "reservoirs.adaptation", _t2, params=_ADAPT_FULL, quick_params=_ADAPT_QUICK,
          figure="mc_vs_target"),
    Claim("reservoirs.T3", PAPER, "Heterogeneous targets ρ_i ~ Beta are more robust across the sweep",
          "more robust", "reservoirs.adaptation", _t3, params=_ADAPT_FULL, quick_params=_ADAPT_QUICK,
          figure="narma_vs_target"),
    Claim("reservoirs.T4", PAPER, "The one-step Ω design is comparable to iterative adaptation",
          "comparable", "reservoirs.adaptation", _t4, params=_ADAPT_FULL, quick_params=_ADAPT_QUICK),
    Claim("reservoirs.T5", PAPER, "After adaptation the firing rates match their targets",
          "r_i → ρ_i (|r̄ − ρ| < 0.05)", "reservoirs.adaptation", _t5, params=_ADAPT_FULL,
          quick_params=_ADAPT_QUICK, figure="inhibitory_gain"),
    Claim("reservoirs.lorenz", "this workbench", "E/I reservoir closed-loop forecast of Lorenz-63 (same data as the AL-RNN)",
          "(no paper value)", "reservoirs.lorenz_forecast", _lorenz, params={},
          quick_params={"n_neurons": 200, "n_train": 3000, "n_generate": 3000, "data_steps": 20000}),
    Claim("reservoirs.spiking_T5", PAPER + " (spiking analogue)", "Homeostatic inhibitory plasticity "
          "(Vogels et al. 2011 iSTDP) holds excitatory rates at their target at every g",
          "r_i → ρ_i (within 30 %)", "reservoirs.spiking_balance", _spiking_rates, params={},
          quick_params=_SPIKING_QUICK, figure="mc_vs_g"),
    Claim("reservoirs.spiking_T2", PAPER + " (spiking analogue)", "Homeostatic adaptation raises the memory "
          "capacity of a spiking E/I reservoir above the best static g", "better than the best static network",
          "reservoirs.spiking_balance", _spiking_mc, params={}, quick_params=_SPIKING_QUICK),
]
