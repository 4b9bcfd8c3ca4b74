"""Sphinx configuration: API reference from the numpydoc docstrings, tutorials executed by myst-nb.

Build with ``.venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are
errors: a broken cross-reference or an undocumented public object fails the build).
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

project = "neuro-workbench"
author = "neuro-workbench developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
templates_path = ["_templates"]
exclude_patterns = ["_build", "reproduction", "reproduction-quick", "reproduction-empirical", "screenshots", "**/figures"]

# API reference: one page per public module, generated from the packages' docstrings.
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# An undocumented public function or class is a build error (GL08: "no docstring").
numpydoc_validation_checks = {"GL08"}
# Overrides of documented hooks (Experiment.execute / validate, ParamGroup.memory_estimate,
# the system_params / system_key of the flow and reconstruction bases)
# inherit the base docstring; ``outputs`` is a declaration (data) and ``Progress`` a type alias,
# both documented by ``#:`` comments, which numpydoc's validation does not read.
numpydoc_validation_exclude = {
    r"\.__init__$", r"\.__call__$", r"\.__repr__$", r"\.execute$", r"\.validate$", r"\.memory_estimate$",
    r"\.system_params$", r"\.system_key$", r"\.outputs$", r"^workbench\.experiment\.Progress$",
}

# Tutorials: stored without outputs, executed at build time; any error fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
myst_enable_extensions = ["dollarmath", "amsmath"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "alabaster"
html_title = "neuro-workbench"
