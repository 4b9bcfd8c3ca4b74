"""Claims of Brenner et al. 2024 (AL-RNN) checked by ``workbench reproduce``.

Targets are the note's reference numbers (``research/alrnn.md`` §6.2, lab protocol with
100 000 test steps): Lorenz-63 D_stsp <= 2.5, D_H <= 0.3, 3 subregions; Rössler
D_stsp <= 1.5, D_H <= 0.15, 2 subregions; the P threshold (Lorenz P = 2, Rössler P = 1).
"""

from __future__ import annotations

from workbench.reproduce import Claim

__all__ = ["CLAIMS"]

PAPER = "Brenner et al. 2024"


def _scores(d_stsp_max: float, d_h_max: float):
    def evaluate(run):
        d, h = float(run.metrics["d_stsp"]), float(run.metrics["d_h"])
        return f"D_stsp {d:.2f}, D_H {h:.3f}", d <= d_stsp_max and h <= d_h_max

    return evaluate


def _regions(n_expected: int):
    def evaluate(run):
        n = int(run.metrics["n_regions_99"])
        occ = ", ".join(f"{x:.3f}" for x in run.metrics["occupancy"][:n_expected + 1])
        return f"{n} regions hold 99 % (occupancy {occ})", n == n_expected

    return evaluate


def _threshold(expected_P: int):
    def evaluate(run):
        best = run.metrics.get("smallest_P")
        return f"smallest P meeting the targets: {best}", best == expected_P

    return evaluate


_QUICK_DATA = {"epochs": 60, "n_train": 20_000, "n_test": 20_000}
_QUICK = {**_QUICK_DATA, "symbolic_steps": 20_000}

CLAIMS = [
    Claim("alrnn.lorenz_dsr", PAPER, "AL-RNN (M=20, P=2) reconstructs Lorenz-63 (lab protocol)",
          "D_stsp ≈ 1.9–3.3, D_H ≈ 0.24–0.31", "alrnn.lorenz63", _scores(2.5, 0.3),
          params={}, quick_params=_QUICK, figure="attractor"),
    Claim("alrnn.lorenz_regions", PAPER, "Lorenz-63 is coded by 3 linear subregions (P=2)",
          "3 subregions", "alrnn.lorenz63", _regions(3),
          params={}, quick_params=_QUICK, figure="transition_graph"),
    Claim("alrnn.rossler_dsr", PAPER, "AL-RNN (M=20, P=1) reconstructs the Rössler system",
          "D_stsp ≈ 1.1, D_H ≈ 0.10", "alrnn.rossler", _scores(1.5, 0.15),
          params={}, quick_params=_QUICK, figure="attractor"),
    Claim("alrnn.rossler_regions", PAPER, "Rössler is coded by 2 linear subregions (P=1)",
          "2 subregions", "alrnn.rossler", _regions(2),
          params={}, quick_params=_QUICK, figure="transition_graph"),
    Claim("alrnn.lorenz_P_threshold", PAPER, "Reconstruction of Lorenz-63 needs P = 2 ReLU units",
          "P = 2", "alrnn.p_sweep", _threshold(2),
          params={"system_name": "lorenz63", "P_values": [0, 1, 2, 3]},
          quick_params={**_QUICK_DATA, "system_name": "lorenz63", "P_values": [1, 2]}, figure="p_sweep"),
]
