"""``python -m salesmodel`` (salesmodel.__main__): runs the command line and exits
with its status."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import salesmodel
from cli_support import generic, write_csv
from salesmodel._cli import BROKEN_PIPE, main


def run_main_module() -> None:
    """What ``python -m salesmodel`` runs, in this process (runpy cannot load it
    through pytest's import hook)."""
    path = Path(salesmodel.__file__).with_name("__main__.py")
    spec = importlib.util.spec_from_file_location("salesmodel.__main__", path)
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    exec(code, {"__name__": "__main__", "__package__": "salesmodel", "__spec__": spec})


def test_running_the_package_exits_with_the_command_line_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.csv")
    monkeypatch.setattr(sys, "argv", ["salesmodel", "report", missing])
    with pytest.raises(SystemExit) as caught:
        run_main_module()
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


def run_module(*args: str, **env: str) -> subprocess.Popen[bytes]:
    """``python -m salesmodel *args`` in a process of its own, stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "salesmodel", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )


def test_output_piped_into_a_reader_that_stops_ends_quietly(tmp_path: Path) -> None:
    # Far more than a pipe holds (64 KiB): the report is still writing when the
    # reader goes away, as with ``python -m salesmodel report big.csv | head``.
    rows = [generic(id=str(i), owner_id=f"rep {i:05d}") for i in range(4000)]
    path = write_csv(tmp_path / "big.csv", rows)
    with run_module("report", str(path)) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.read(100).startswith(str(path).encode())
        process.stdout.close()
        code = process.wait(timeout=120)
        assert (code, process.stderr.read()) == (BROKEN_PIPE, b"")


def test_a_terminal_that_cannot_show_a_character_gets_its_escape(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [generic(owner_id="Zoë")])
    with run_module("report", str(path), PYTHONIOENCODING="ascii") as process:
        out, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (0, b"")
    assert b"\nZo\\xeb  " in out


class ClosedPipe(io.StringIO):
    """A stdout whose reader went away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError

    def fileno(self) -> int:
        return 99


def test_a_closed_pipe_stops_the_report_quietly_with_the_status_of_sigpipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = []
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(os, "open", lambda path, flags: 42)
    monkeypatch.setattr(os, "dup2", lambda fd, to: moved.append((fd, to)))
    assert main(["report", str(write_csv(tmp_path / "x.csv", [generic()]))]) == BROKEN_PIPE
    assert moved == [(42, 99)]  # stdout now writes to the null device


def test_running_the_package_with_a_stdout_that_cannot_be_reconfigured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["salesmodel", "report", str(tmp_path / "missing.csv")])
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    with pytest.raises(SystemExit) as caught:
        run_main_module()
    assert (caught.value.code, out.getvalue()) == (2, "")
