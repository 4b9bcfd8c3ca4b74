"""Count the test functions of the suite by the kind of evidence they give.

Not collected by pytest (the file name does not start with ``test_``). Run it from the
repository root::

    python tests/census.py            # counts per kind and per package
    python tests/census.py --list     # one line per test: kind, path::name

Kinds
-----
truth
    Checks a value against something the code under test did not produce: an analytic or
    exact value (``Fraction``, ``math.comb``), a published or pinned number, a reference
    library (scipy, sklearn, reservoirpy, torch, networkx), a finite difference or a
    hand-written reference loop, or a re-derivation of a stored metric from stored arrays.
self-consistency
    Compares two outputs of the project with each other (round trips, determinism, two code
    paths of the same computation, invariances) without an outside reference.
validation
    Checks that bad input is rejected (``pytest.raises``/``pytest.warns``, exit status 2,
    an ``error:`` line).
smoke
    Everything else: runs the code and checks shapes, key presence, finiteness or types.

Heuristic (first rule that matches wins)
----------------------------------------
1. the override table :data:`OVERRIDES` (``"path::name": kind``) where the rules are wrong;
2. truth: the test uses a name its module imports from a reference library (scipy,
   sklearn, reservoirpy, torch, networkx, fractions, math, mpmath, statsmodels), or its source (or a module-level helper it calls whose name says ``reference``,
   ``exact``, ``naive``, ``brute``, ``analytic`` or ``loop``) uses one of :data:`TRUTH_SOURCES`,
   or its name/docstring says ``analytic``/``exact``/``closed form``/``paper``/``pinned``/
   ``finite difference``/``reference``/``rederive``, or it compares with a float literal of
   three or more significant digits (a pinned or published value);
3. validation: ``pytest.raises``, ``pytest.warns``, ``returncode == 2``/``exit_code == 2``
   or an ``error:`` message check;
4. self-consistency: ``assert_allclose``/``allclose``/``array_equal``/``approx``/``==``
   between two non-literal expressions that are not shapes, lengths or types;
5. smoke.

Parametrized tests count once (one function, however many cases).
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent
KINDS = ("truth", "self-consistency", "validation", "smoke")

TRUTH_SOURCES = re.compile(
    r"\b(scipy|sklearn|reservoirpy|torch|networkx|Fraction|comb\(|math\.|mpmath|statsmodels)\b"
    r"|finite.differ|central.differ|np\.linalg\.(lstsq|solve|inv)|binom\.|poisson\.")
TRUTH_WORDS = re.compile(
    r"analytic|exact|closed.form|paper|pinned|finite.diff|reference|rederiv|re-deriv|ground.truth"
    r"|independent|by hand|hand-written|textbook", re.I)
#: Test names that say what independent truth they check (an equation written out in the test,
#: a hand-built model with known answers, a theory curve, automatic differentiation).
TRUTH_NAMES = re.compile(
    r"matches_equation|follows_(its|the)_|formula|hand_built|known|autodiff|delay_line|lambda_max|zeros_of"
    r"|recursion|rhs_values|near_one|gaussian|is_zero|converges|theory|spectrum|at_most_n|_is_set$|analytic")
HELPER_WORDS = re.compile(r"reference|exact|naive|brute|analytic|loop|manual|by_hand", re.I)
VALIDATION = re.compile(r"pytest\.raises|pytest\.warns|returncode\s*==\s*2|exit_code\s*==\s*2|[\"']error:")
CONSISTENCY_CALLS = re.compile(r"assert_allclose|allclose|array_equal|assert_equal|approx|isclose|equals\(")

#: Tests the heuristic classifies wrongly, with the right kind (reviewed by hand).
OVERRIDES: dict[str, str] = {
    # compares the C++ standalone target with brian2's numpy target: brian2 against brian2
    "tests/reservoirs/spiking/test_model.py::test_cpp_standalone_reproduces_the_numpy_target":
        "self-consistency",
    # analytic difference-of-exponentials PSP and exponential relaxation
    "tests/reservoirs/spiking/test_analytic.py::test_single_synaptic_event_gives_the_two_exponential_psp":
        "truth",
    # period measured from zero crossings; the definition of a z-score written out
    "tests/workbench/test_rederive.py::test_dominant_frequency_of_a_periodic_rossler_orbit": "truth",
    "tests/workbench/test_rederive.py::test_zscored_run_is_the_raw_run_standardised": "truth",
    # claims judged on runs whose metrics are set by hand, expected verdicts and texts worked
    # out by hand from the claims' criteria
    "tests/reservoirs/test_claims.py::test_claim_verdicts_on_fixture_runs": "truth",
    "tests/reservoirs/test_claims.py::test_lorenz_claim_reports_scores_without_verdict": "truth",
    "tests/reservoirs/test_claims.py::test_spiking_rate_claim_reads_the_plastic_rows_only": "truth",
    "tests/dendrites/test_claims.py::test_coverage_claims_need_eighty_percent_inside": "truth",
    "tests/dendrites/test_claims.py::test_optimal_threshold_claim_reads_the_theta_10_median": "truth",
    "tests/dendrites/test_claims.py::test_detector_claim_counts_agreeing_pairs": "truth",
    "tests/alrnn/test_claims.py::test_score_claims_are_inclusive_upper_bounds": "truth",
    "tests/alrnn/test_claims.py::test_p_threshold_claim": "truth",
    # the claims' parameters must pass the experiments' validation
    "tests/workbench/test_reproduce.py::test_claim_parameters_validate_against_their_experiment": "validation",
    # bookkeeping: each registered experiment has a re-derivation test file naming it
    "tests/test_rederive_coverage.py::test_registered_experiment_has_a_rederivation_test": "smoke",
    # failure path of the CI guard (a skip must fail under CI=true)
    "tests/test_conftest.py::test_missing_data_and_browser_skip_locally_and_fail_in_ci": "validation",
}


REFERENCE_MODULES = re.compile(r"^(scipy|sklearn|reservoirpy|torch|networkx|fractions|math|mpmath|statsmodels|itertools)\b")


def _reference_names(tree: ast.Module) -> set[str]:
    """Names a test module imports from independent reference libraries."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and REFERENCE_MODULES.match(node.module):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in node.names if REFERENCE_MODULES.match(a.name))
    return names - {"product", "chain", "islice", "pairwise"}


def _helpers(tree: ast.Module) -> dict[str, str]:
    """Module-level non-test functions whose names mark them as independent references."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("test") and HELPER_WORDS.search(node.name):
            out[node.name] = ast.get_source_segment(_SOURCE[0], node) or ""
    return out


_SOURCE = [""]


def _significant_digits(x: float) -> int:
    mantissa = f"{abs(x):.15e}".split("e")[0].replace(".", "").rstrip("0")
    return len(mantissa)


def _pinned(fn: ast.FunctionDef) -> bool:
    """A float literal of three or more significant digits compared in an assertion or used as
    the expected value of ``approx``/``assert_allclose`` (not a tolerance)."""
    tolerances = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.keyword) and node.arg in ("rtol", "atol", "rel", "abs", "decimal"):
            tolerances.update(id(n) for n in ast.walk(node.value))
    checks = [n for n in ast.walk(fn) if isinstance(n, ast.Assert)
              or (isinstance(n, ast.Call) and re.search(r"assert|approx", ast.unparse(n.func)))]
    for check in checks:
        for n in ast.walk(check):
            if (isinstance(n, ast.Constant) and isinstance(n.value, float) and id(n) not in tolerances
                    and n.value != 0 and _significant_digits(n.value) >= 3):
                return True
    return False


def _is_trivial(expr: ast.expr) -> bool:
    """Literals, shapes, lengths, types and key sets: an equality with these is a smoke check."""
    text = ast.unparse(expr)
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set, ast.Dict)) and all(
            isinstance(e, ast.Constant) for e in getattr(expr, "elts", []) or []):
        return True
    return bool(re.search(r"\.shape|len\(|type\(|isinstance|\.dtype|\.keys\(\)|\.dims|set\(|status|\.kind", text))


def _consistency(fn: ast.FunctionDef, src: str) -> bool:
    if CONSISTENCY_CALLS.search(src):
        return True
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare):
            cmp = node.test
            if any(isinstance(op, (ast.Eq, ast.NotEq)) for op in cmp.ops):
                parts = [cmp.left, *cmp.comparators]
                if sum(not _is_trivial(p) for p in parts) >= 2:
                    return True
    return False


def classify(path: str, fn: ast.FunctionDef, src: str, helpers: dict[str, str],
             references: frozenset[str] = frozenset()) -> str:
    """The kind of one test function (see the module docstring for the rules)."""
    key = f"{path}::{fn.name}"
    if key in OVERRIDES:
        return OVERRIDES[key]
    doc = ast.get_docstring(fn) or ""
    called = {n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    helper_src = "".join(helpers[c] for c in called if c in helpers)
    body = src + helper_src
    used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
    if (TRUTH_SOURCES.search(body) or used & references or TRUTH_WORDS.search(fn.name + " " + doc) or TRUTH_NAMES.search(fn.name) or helper_src
            or _pinned(fn)):
        return "truth"
    if VALIDATION.search(src):
        return "validation"
    if _consistency(fn, src):
        return "self-consistency"
    return "smoke"


def census(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """``(path, test name, kind)`` for every test function under ``root``."""
    rows = []
    for file in sorted(root.rglob("test_*.py")):
        text = file.read_text()
        _SOURCE[0] = text
        tree = ast.parse(text)
        helpers = _helpers(tree)
        references = frozenset(_reference_names(tree))
        rel = file.relative_to(root.parent).as_posix()
        funcs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.startswith("Test")):
            funcs += [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for fn in funcs:
            if fn.name.startswith("test"):
                rows.append((rel, fn.name, classify(rel, fn, ast.get_source_segment(text, fn) or "", helpers,
                                                   references)))
    return rows


def main(argv: list[str]) -> int:
    rows = census()
    if "--list" in argv:
        for path, name, kind in rows:
            print(f"{kind:17s} {path}::{name}")
        return 0
    total = Counter(kind for _, _, kind in rows)
    by_pkg: dict[str, Counter] = defaultdict(Counter)
    for path, _, kind in rows:
        parts = path.split("/")
        by_pkg[parts[1] if len(parts) > 2 else "(top)"][kind] += 1
    print(f"{'package':12s}" + "".join(f"{k:>18s}" for k in KINDS) + f"{'total':>8s}")
    for pkg in sorted(by_pkg):
        c = by_pkg[pkg]
        print(f"{pkg:12s}" + "".join(f"{c[k]:18d}" for k in KINDS) + f"{sum(c.values()):8d}")
    print(f"{'all':12s}" + "".join(f"{total[k]:18d}" for k in KINDS) + f"{len(rows):8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
