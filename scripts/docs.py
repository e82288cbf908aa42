"""Build the documentation as CI does, into docs/_build/html (or the folder given).

    python scripts/docs.py [OUTDIR]

First it puts Mermaid into docs/_static/vendor/ (once; git ignores it), so the
built docs draw their diagrams without a network: a pinned release from the npm
registry, checked against its SHA-256. Then Sphinx builds with warnings as errors
and nitpicky cross-references: a broken link to a page, an anchor or an API name
fails the build. Open OUTDIR/index.html in a browser; no server is needed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "docs" / "_static" / "vendor"
MERMAID = "11.17.2"
MERMAID_SHA256 = "581ed7d74bd9048d0e3a91363927d72ef22942d7722546b27f7cc29e35390eb8"
# What the package's tarball holds that the docs serve: the script and its licence.
MEMBERS = {"package/dist/mermaid.min.js": "mermaid.min.js", "package/LICENSE": "mermaid.LICENSE"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor_mermaid() -> None:
    """Put the pinned Mermaid into docs/_static/vendor/, unless it is there."""
    script = VENDOR / "mermaid.min.js"
    if script.is_file() and _sha256(script) == MERMAID_SHA256:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("scripts/docs.py: npm is needed once, to fetch Mermaid for the diagrams")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 - npm, with a pinned package name
            [npm, "pack", "--silent", f"mermaid@{MERMAID}"],
            cwd=tmp,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with tarfile.open(Path(tmp) / f"mermaid-{MERMAID}.tgz") as tar:
            for member, name in MEMBERS.items():
                extracted = tar.extractfile(member)
                if extracted is None:
                    sys.exit(f"scripts/docs.py: mermaid {MERMAID} has no {member}")
                (Path(tmp) / name).write_bytes(extracted.read())
        got = _sha256(Path(tmp) / "mermaid.min.js")
        if got != MERMAID_SHA256:
            sys.exit(
                f"scripts/docs.py: mermaid {MERMAID}'s mermaid.min.js has SHA-256 {got}, "
                f"expected {MERMAID_SHA256}"
            )
        VENDOR.mkdir(parents=True, exist_ok=True)
        for name in MEMBERS.values():
            shutil.copyfile(Path(tmp) / name, VENDOR / name)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "_build" / "html"
    vendor_mermaid()
    sphinx = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html"]
    build = [*sphinx, str(ROOT / "docs"), str(out)]
    return subprocess.run(build, check=False).returncode  # noqa: S603 - this Python


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
