"""Exact theory against Monte-Carlo simulation at points of Ahmad & Hawkins (2016).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python examples/dendrites_theory_vs_simulation.py``
"""

from dendrites import simulate, theory

SAMPLES = 10_000_000


def show(label, p, est):
    flag = "inside" if est.contains([p])[0] else "OUTSIDE"
    print(f"{label:<38} theory {p:.4e}   simulated {est.estimate[0]:.4e} "
          f"[{est.low[0]:.3e}, {est.high[0]:.3e}]  {flag}")


print(f"False matches, s=24, theta=12 (Fig. B), {SAMPLES:.0e} tests per point")
for n, a in [(300, 64), (500, 128), (1100, 256), (1500, 256)]:
    show(f"  n={n}, a={a}", theory.false_match_probability(n, a, 24, 12),
         simulate.simulate_false_match(n, a, 24, 12, SAMPLES, seed=n))

print("False negatives, a=128, s=30, n=4000 (Fig. D)")
for theta, v in [(8, 64), (12, 45), (12, 64), (16, 32)]:
    show(f"  theta={theta}, v={v}", theory.false_negative_probability(128, 30, theta, v),
         simulate.simulate_false_negative(4000, 128, 30, theta, v, SAMPLES, seed=v))

print("Union, a=200, s=25, theta=15 (Fig. E1), 1e6 tests per point")
for n, m in [(1000, 2), (10_000, 19), (20_000, 19)]:
    paper = theory.union_false_match_probability(n, 200, 25, 15, m)
    exact = theory.union_false_match_probability(n, 200, 25, 15, m, method="exact")
    est = simulate.simulate_union(n, 200, 25, 15, m, 1_000_000, seed=m)
    show(f"  n={n}, M={m} (exact union)", exact, est)
    print(f"{'':<38} paper's mean-size formula {paper:.4e}")

scan = theory.optimal_threshold()
print(f"Optimal threshold: median P_FP(theta=10) = {scan.median[7]:.3e}; smallest theta with "
      f"median <= 1e-9: {scan.optimal}")
