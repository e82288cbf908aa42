"""Mermaid diagrams that render without a network.

A ```` ```mermaid ```` fence (MyST's ``myst_fence_as_directive``) becomes a
``<pre class="mermaid">`` that Mermaid draws in the browser. Mermaid itself is
served from the built docs (``_static/vendor/mermaid.min.js``, put there by
``scripts/docs.py`` from the npm registry), never from a CDN, and it is loaded as a
classic script: ES modules are refused on ``file://`` pages, and the built docs
must work when opened straight from disk. Pages without a diagram load nothing.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)

SCRIPT = "vendor/mermaid.min.js"

# Drawn once the page has loaded, in the colours of Furo's light or dark theme, fitted
# to the column; a click shows a diagram at its natural size (scrolling sideways),
# where a long pipeline's labels are easier to read, and a second click fits it again.
_START = """
document.addEventListener("DOMContentLoaded", async () => {
  const theme = document.body.dataset.theme;
  const dark = theme === "dark" ||
    (theme !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  mermaid.initialize({startOnLoad: false, theme: dark ? "dark" : "default"});
  await mermaid.run({querySelector: "pre.mermaid"});
  for (const pre of document.querySelectorAll("pre.mermaid")) {
    const svg = pre.querySelector("svg");
    const natural = svg ? svg.style.maxWidth : "";
    if (!natural) continue;
    pre.title = "Click to zoom";
    pre.addEventListener("click", () => {
      const zoomed = pre.classList.toggle("zoomed");
      svg.style.maxWidth = zoomed ? "none" : natural;
      svg.style.width = zoomed ? natural : "";
    });
  }
});
"""


class Mermaid(SphinxDirective):
    """A diagram in Mermaid's syntax, drawn in the browser."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        source = html.escape("\n".join(self.content))
        block = f'<pre class="mermaid">\n{source}\n</pre>\n'
        return [nodes.raw("", block, format="html", classes=["mermaid"])]


def _has_diagram(doctree: nodes.document | None) -> bool:
    if doctree is None:
        return False
    return any("mermaid" in node["classes"] for node in doctree.findall(nodes.raw))


def _load_on_pages_with_diagrams(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if _has_diagram(doctree):
        app.add_js_file(SCRIPT)
        app.add_js_file(None, body=_START)


def _check_vendored(app: Sphinx) -> None:
    if app.builder.format == "html" and not any(
        (Path(app.confdir) / static / SCRIPT).is_file() for static in app.config.html_static_path
    ):
        logger.warning(
            "docs/_static/%s is missing, so diagrams show as text: build the docs "
            "with scripts/docs.py, which fetches it",
            SCRIPT,
            type="mermaid",
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("mermaid", Mermaid)
    app.connect("builder-inited", _check_vendored)
    app.connect("html-page-context", _load_on_pages_with_diagrams)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
