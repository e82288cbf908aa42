"""Sphinx configuration: Markdown pages (MyST), a reference from docstrings, Furo."""

from __future__ import annotations

import sys
from importlib.metadata import version as _version
from pathlib import Path

# The local extensions in _ext/ (offline inventories and Mermaid, the reference).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "salesmodel"
author = "The salesmodel developers"
copyright = "2026, The salesmodel developers"  # noqa: A001 - Sphinx's name
release = _version("salesmodel")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.intersphinx",
    "sphinx_copybutton",
    "offline_inventories",
    "offline_mermaid",
    "api_reference",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

# Markdown. Headings get anchors down to ### so pages can link to sections.
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
myst_fence_as_directive = ["mermaid"]

# The reference. Entities are attrs classes: napoleon turns their docstring's
# "Attributes:" into one entry per field, typed from its annotation and with an anchor
# of its own; api_reference drops the constructor's parameter list, which would list
# the same fields again, and checks that every public name is documented.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = False
python_use_unqualified_type_names = True

# Every cross-reference must resolve (-n): a broken link to a page, an anchor or an
# API name fails the build. The exceptions are names that cannot be imported, so
# they link nowhere: private classes, and the type aliases and type variables
# signatures show by name (the KPI reference explains the aliases).
nitpicky = True
nitpick_ignore_regex = [
    ("py:class", r"salesmodel(\.\w+)*\._\w+(\.\w+)+"),
    ("py:class", r"By|Zone|PeriodKind|Pipelines|AmountLike|FunnelMode|Unit|Outcome"),
    ("py:class", r"GroupedAccumulator"),
    ("py:class", r"(salesmodel(\.\w+)*\.)?([A-Z]|EntityT)"),
]

# Type names in signatures link to these projects' documentation, without network
# access: intersphinx would download each objects.inv at build time, which neither
# this machine nor CI can (only PyPI and npm are reachable), and no package ships
# current ones (Debian's doc packages hold Python 3.11's, Hypothesis 6.67's), while
# committing full inventories would add hundreds of KB of binaries. So
# offline_inventories writes, before each build, small inventories from a reviewed
# table of the names these docs link to, with each project's canonical URLs: the
# build stays offline and deterministic, and a name missing from the table fails
# it (nitpicky, above). With network access, dropping the extension makes this same
# mapping download the full inventories.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", None),
    "attrs": ("https://www.attrs.org/en/stable/", None),
    "cattrs": ("https://catt.rs/en/stable/", None),
    "hypothesis": ("https://hypothesis.readthedocs.io/en/latest/", None),
    "pandas": ("https://pandas.pydata.org/docs/", None),
    "polars": ("https://docs.pola.rs/api/python/stable/", None),
    "narwhals": ("https://narwhals-dev.github.io/narwhals/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
}

# Copy buttons copy the code of a doctest, without its >>> and ... prompts or output.
copybutton_prompt_text = r">>> |\.\.\. |\.\.\.$|\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

html_theme = "furo"
html_title = "salesmodel"
html_static_path = ["_static"]
html_css_files = ["salesmodel.css"]
html_theme_options = {
    "source_repository": "https://github.com/salesmodel/salesmodel/",
    "source_branch": "main",
    "source_directory": "docs/",
}
