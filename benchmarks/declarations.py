"""Count parameter declarations: how many names are declared in more than one class.

Scans every ``.py`` file of the packages (tests and benchmarks excluded) with :mod:`ast` and
collects class attributes assigned from a ``param.<Something>(...)`` call (or from a module
function returning one, such as ``_pos(default, doc)``). A name declared by
several classes (e.g. a subclass re-declaring a default) counts once per class. The goal of the
"one declaration" rule: at most 12 names declared in more than one class, each a genuinely
different quantity.

``--exclude apps`` leaves a package out (e.g. to count what one branch owns).

Usage: ``python benchmarks/declarations.py [--verbose] [--exclude PKG] [ROOT]``
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from pathlib import Path

PACKAGES = ("workbench", "reservoirs", "dendrites", "alrnn", "apps")


def _is_param_call(node: ast.AST) -> bool:
    """``param.X(...)`` (or ``param.X`` nested one level: ``param.ui.X(...)``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id == "param"


def _factories(tree: ast.Module) -> set[str]:
    """Module-level functions returning a ``param.X(...)`` (e.g. ``_pos(default, doc)``)."""
    return {f.name for f in tree.body if isinstance(f, ast.FunctionDef)
            and any(isinstance(r, ast.Return) and r.value is not None and _is_param_call(r.value)
                    for r in ast.walk(f))}


def _declares(node: ast.AST, factories: set[str]) -> bool:
    return _is_param_call(node) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                                    and node.func.id in factories)


def declarations(root: Path, packages=PACKAGES) -> dict[str, list[str]]:
    """``{parameter name: ["module:Class", ...]}`` over the packages under ``root``."""
    found: dict[str, list[str]] = defaultdict(list)
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            factories = _factories(tree)
            module = path.relative_to(root).with_suffix("").as_posix().replace("/", ".")
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                for stmt in cls.body:
                    if isinstance(stmt, ast.Assign) and _declares(stmt.value, factories):
                        targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None \
                            and _declares(stmt.value, factories) and isinstance(stmt.target, ast.Name):
                        targets = [stmt.target.id]
                    else:
                        continue
                    for name in targets:
                        found[name].append(f"{module}:{cls.name}")
    return dict(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--verbose", "-v", action="store_true", help="List the duplicated names.")
    parser.add_argument("--exclude", action="append", default=[], help="Package to leave out (repeatable).")
    args = parser.parse_args()
    found = declarations(Path(args.root), [p for p in PACKAGES if p not in args.exclude])
    total = sum(len(v) for v in found.values())
    dup = {k: v for k, v in sorted(found.items()) if len(v) > 1}
    print(f"{len(found)} parameter names, {total} declarations, "
          f"{len(dup)} names declared in more than one class (goal: <= 12)")
    if args.verbose:
        for name, where in dup.items():
            print(f"  {name:22s} {len(where)}  {', '.join(where)}")


if __name__ == "__main__":
    main()
