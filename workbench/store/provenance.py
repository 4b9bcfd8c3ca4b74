"""What a run records about the code that wrote it: git commit and package versions."""

from __future__ import annotations

import subprocess
import sys
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["git_commit", "versions"]


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout this package runs from (``-dirty`` when modified), or None."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5)
        if out.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


@cache
def _package_version(pkg: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def versions() -> dict[str, str]:
    """Versions of Python and of the packages this process has imported."""
    out = {"python": sys.version.split()[0]}
    for pkg in ("neuro-workbench", "numpy", "zarr", "scipy", "scikit-learn", "brian2", "jax"):
        mod = {"neuro-workbench": "workbench", "scikit-learn": "sklearn"}.get(pkg, pkg)
        if mod in sys.modules or pkg in ("neuro-workbench", "numpy", "zarr"):
            ver = _package_version(pkg)
            if ver is not None:
                out[pkg] = ver
    return out
