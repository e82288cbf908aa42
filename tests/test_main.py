"""``python -m salesmodel`` (salesmodel.__main__): runs the command line and exits
with its status."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import salesmodel


def test_running_the_package_exits_with_the_command_line_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.csv")
    monkeypatch.setattr(sys, "argv", ["salesmodel", "report", missing])
    # What ``python -m salesmodel`` runs, in this process (runpy cannot load it
    # through pytest's import hook).
    main = Path(salesmodel.__file__).with_name("__main__.py")
    spec = importlib.util.spec_from_file_location("salesmodel.__main__", main)
    code = compile(main.read_text(encoding="utf-8"), str(main), "exec")
    with pytest.raises(SystemExit) as caught:
        exec(code, {"__name__": "__main__", "__package__": "salesmodel", "__spec__": spec})
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: cannot read {missing}")


def test_importing_the_module_runs_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "salesmodel.__main__", raising=False)
    module = importlib.import_module("salesmodel.__main__")
    assert module.main is salesmodel._cli.main
    assert capsys.readouterr() == ("", "")
