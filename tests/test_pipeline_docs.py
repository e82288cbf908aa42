"""The pipeline pictures in the docs are the ones the code draws."""

from __future__ import annotations

import re
from pathlib import Path

from salesmodel import DEFAULT_PIPELINE, LEAD_LIFECYCLE

PAGE = Path(__file__).resolve().parent.parent / "docs" / "explanation" / "default-pipeline.md"


def mermaid_blocks(text: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)\n```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_default_pipeline_page_shows_exactly_the_diagrams_the_code_draws():
    blocks = mermaid_blocks(PAGE.read_text(encoding="utf-8"))
    assert blocks == [DEFAULT_PIPELINE.to_mermaid(), LEAD_LIFECYCLE.to_mermaid()]
