"""Objects the docs define, for tests that check what the docs say: each is
defined once, in the page."""

from __future__ import annotations

import contextlib
import doctest
import io
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs"


def defined_in(page: str, *names: str) -> dict[str, Any]:
    """*names* as the docs page *page* (relative to docs/) defines them: its
    examples run in order (what they print unseen, the errors they show
    expected) until every name is defined."""
    text = (DOCS / page).read_text(encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": f"docs.{page}"}
    for example in doctest.DocTestParser().get_examples(text):
        if all(name in namespace for name in names):
            break
        code = compile(example.source, page, "single")
        raising = contextlib.suppress(Exception) if example.exc_msg else contextlib.nullcontext()
        with contextlib.redirect_stdout(io.StringIO()), raising:
            exec(code, namespace)
    missing = [name for name in names if name not in namespace]
    if missing:
        raise LookupError(f"{page} defines no {', '.join(missing)}")
    return {name: namespace[name] for name in names}
