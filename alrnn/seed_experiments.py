"""AL-RNN subregions over seeds: the paper's empirical claims (ECG, fMRI) measured on many seeds.

Brenner et al. 2024 report that an AL-RNN with P = 2 codes the ECG (M = 100) by 3 linear
subregions and the fMRI recordings (M = 50) by about 4 (``docs/alrnn.md`` §5.4).
One seed is an anecdote: :class:`RegionsOverSeeds` trains ``n_seeds`` AL-RNNs on the same
training part of a series as one vectorised population (:func:`alrnn.train.train_population`,
checkpoint selection on the training part only), and for each seed counts the subregions
holding 99 % of a free run started at the first test point (transient of a quarter of the
test length dropped, ``docs/alrnn.md`` §3.6) and scores that run against the test part
(D_stsp, D_H). The run reports the count of every seed and its mean ± SEM, whatever they are,
and stores each seed's best checkpoint (``A``, ``W``, ``h``, ``L`` along ``seed``) so every
number can be recomputed. A seed whose training diverges is left out (``diverged_seeds``);
when every seed diverges the run fails, keeping their loss curves and last finite parameters
(:func:`alrnn.checkpoints.write_divergence`).
"""

from __future__ import annotations

import numpy as np
import param

from workbench.benchmark.aggregate import mean_sem
from workbench.experiment import Experiment, SeedsCount, defaults
from workbench.outputs import Array, Coordinate, Figure, Metric, Outputs

from .checkpoints import write_checkpoints, write_divergence
from .data import load_series, split_series, zscore
from .evaluation import score_trajectory
from .params import ModelParams, RecipeFields, ReluParams, SeriesFileParams
from .recipe import AUTHORS_CONFIGS
from .symbolic import analyze
from .train import TrainingDiverged, train_population

__all__ = ["EXPERIMENTS", "RegionsOverSeeds"]


@defaults(M=None, P=None, epochs=200, eval_steps=20_000, n_seeds=5, symbolic_steps=100_000)
class RegionsOverSeeds(ModelParams, ReluParams, RecipeFields, SeriesFileParams, SeedsCount, Experiment):
    """Subregions used by AL-RNNs trained with several seeds on one series (file).

    The recipe is the authors' release setting named by ``preset`` (``settings/*.json``,
    ``docs/alrnn.md`` §2.2: window, forcing interval, learning rates, noise, D_stsp bins, D_H smoothing)
    with its model sizes unless ``M``/``P`` are set, ``epochs`` epochs, and any other recipe
    field that is set (:class:`alrnn.params.RecipeFields`).
    """

    kind = "alrnn.regions_over_seeds"
    outputs = Outputs(
        metrics=(Metric("seeds", "Seeds whose training finished (the rows of the arrays)."),
                 Metric("diverged_seeds", "Seeds whose training went non-finite (left out)."),
                 Metric("M", "Latent units."),
                 Metric("P", "ReLU units."),
                 Metric("occupancy", "Per seed: share of the free run in each region, most visited first."),
                 Metric("n_regions_99", "Per seed: fewest regions holding >= 99 % of the free run."),
                 Metric("n_regions", "Per seed: regions visited by the free run."),
                 Metric("d_stsp", "Per seed: test D_stsp of the free run."),
                 Metric("d_h", "Per seed: test D_H of the free run."),
                 Metric("pe", "Per seed: test prediction error over the PE horizon."),
                 Metric("{name}_mean", "Mean over the finished seeds of the per-seed value {name}."),
                 Metric("{name}_sem", "Standard error of that mean (ddof = 1)."),
                 Metric("n_regions_99_median", "Median over seeds of n_regions_99 (the claims' verdict).")),
        arrays=(Array("n_regions_99", ("seed",), "Fewest regions holding >= 99 % of the free run."),
                Array("n_regions", ("seed",), "Regions visited by the free run."),
                Array("d_stsp", ("seed",), "Test D_stsp of the free run."),
                Array("d_h", ("seed",), "Test D_H of the free run."),
                Array("pe", ("seed",), "Test prediction error over the PE horizon."),
                Array("A", ("seed", "latent"), "Diagonal A of each seed's best checkpoint."),
                Array("W", ("seed", "latent", "latent_source"), "Connectivity W of each best checkpoint."),
                Array("h", ("seed", "latent"), "Bias h of each best checkpoint."),
                Array("L", ("seed", "latent", "dim"), "Initial-state map L of each best checkpoint.")),
        coords=(Coordinate("seed", "Seed of each finished training."),
                Coordinate("latent", "Latent unit (the last P are ReLU units).")),
        figures=(Figure("regions_over_seeds", "Subregions holding 99 % and test D_stsp per seed"),),
    )

    # Another quantity than the training preset of the other AL-RNN experiments: one of the
    # authors' release settings, fixing the model sizes (M, P) as well as the recipe.
    preset = param.Selector(default="ecg", objects=list(AUTHORS_CONFIGS),
                            doc="The authors' release setting whose recipe and sizes are used.")

    def _sizes_config(self):
        sizes, config = AUTHORS_CONFIGS[self.preset]
        M = self.M if self.M is not None else sizes["M"]
        P = self.P if self.P is not None else sizes["P"]
        overrides = self.train_overrides()
        overrides.setdefault("eval_every", min(config.eval_every, self.epochs or config.epochs))
        overrides.setdefault("eval_steps", None)
        return M, P, config.replace(**overrides)

    def validate(self):
        if self.n_seeds > 100:
            raise ValueError(f"n_seeds must be at most 100, got {self.n_seeds}")
        if self.symbolic_steps < 100 or self.symbolic_steps > 10_000_000:
            raise ValueError(f"symbolic_steps must be in [100, 10000000], got {self.symbolic_steps}")
        if not self.data:
            raise ValueError("data must name a .npy or .csv file of shape (time, features)")
        T, N = load_series(self.data).shape
        M, P, config = self._sizes_config()
        if P > M or N > M - P:
            raise ValueError(f"M - P must be >= N = {N} observed features, got M={M}, P={P}")
        n_train = int(round(self.train_fraction * T))
        if n_train < config.seq_len + 1 or T - n_train < config.pe_steps + 2:
            raise ValueError(f"data must hold at least {config.seq_len + 1} training and "
                             f"{config.pe_steps + 2} test rows at train_fraction={self.train_fraction}, "
                             f"got {T} rows")

    def execute(self, run, progress):
        from .figures import regions_over_seeds_figure

        train_raw, test_raw = split_series(load_series(self.data), self.train_fraction)
        train, mean, std = zscore(train_raw)
        test = zscore(test_raw, mean, std)[0]
        M, P, config = self._sizes_config()
        if config.eval_steps is not None and config.eval_steps > len(train):
            config = config.replace(eval_steps=None)
        seeds = list(range(self.seed, self.seed + self.n_seeds))
        results = train_population(train, M, P, config, seeds=seeds,
                                   progress=lambda f, msg="", **kw: progress(0.8 * f, msg, **kw))
        progress(0.85, "free runs and subregions")
        T = len(test)
        transient = int(round(0.25 * T))
        rows = {"n_regions_99": [], "n_regions": [], "d_stsp": [], "d_h": [], "pe": []}
        occupancy, diverged = [], []
        failures = [res for res in results if isinstance(res, TrainingDiverged)]
        if len(failures) == len(results):
            write_divergence(run, failures)
            raise failures[0]
        models = []
        for seed, res in zip(seeds, results):
            if isinstance(res, TrainingDiverged):
                diverged.append(seed)
                continue
            models.append(res.model)
            model = res.model
            Z, X = model.generate(test[0], max(T, self.symbolic_steps) + transient)
            Z, X = Z[transient:], X[transient:].astype(np.float64)
            scores = score_trajectory(test, X[:T], model, n_bins=config.n_bins, smoothing=config.smoothing,
                                      pe_steps=config.pe_steps)
            finite = bool(np.all(np.isfinite(Z)))
            an = analyze(model, Z, max_period=1) if finite else None
            rows["n_regions_99"].append(an.n_regions_covering(0.99) if an else np.nan)
            rows["n_regions"].append(an.n_regions if an else np.nan)
            occupancy.append([float(x) for x in an.occupancy[:2 ** min(P, 4)]] if an else [])
            for k in ("d_stsp", "d_h", "pe"):
                rows[k].append(scores[k])
        for name, values in rows.items():
            run.write(name, np.asarray(values, np.float64), dims=("seed",))
        kept = [s for s in seeds if s not in diverged]
        write_checkpoints(run, models, kept)
        m = run.metrics
        m.update({"seeds": kept, "diverged_seeds": diverged,
                  "M": M, "P": P, "occupancy": occupancy,
                  **{name: [float(v) for v in values] for name, values in rows.items()}})
        for name, values in rows.items():     # over the seeds with a finite value
            m[f"{name}_mean"], m[f"{name}_sem"], _ = mean_sem(values)
        counts = [int(v) for v in rows["n_regions_99"] if np.isfinite(v)]
        m["n_regions_99_median"] = float(np.median(counts)) if counts else float("nan")
        run.save_figure("regions_over_seeds",
                        regions_over_seeds_figure(kept, rows["n_regions_99"], rows["d_stsp"]))
        progress(1.0, "done")


EXPERIMENTS = [RegionsOverSeeds]
