"""Sphinx configuration: Markdown pages (MyST) plus a reference from docstrings."""

from __future__ import annotations

from importlib.metadata import version as _version

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
    "sphinxcontrib.mermaid",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
myst_fence_as_directive = ["mermaid"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
html_theme = "alabaster"
html_title = "salesmodel"
suppress_warnings = ["myst.xref_missing"]
napoleon_use_ivar = True
