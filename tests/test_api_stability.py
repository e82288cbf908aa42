"""The public API is a promise: an accidental change to a public name or signature
fails here. After a deliberate change, refresh the snapshot with

    python tests/test_api_stability.py --update

and record the change in CHANGELOG.md (see docs/explanation/stability.md).
"""

from __future__ import annotations

import enum
import importlib
import inspect
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import salesmodel

PUBLIC_MODULES = (
    "salesmodel",
    "salesmodel.bulk",
    "salesmodel.kpi",
    "salesmodel.plot",
    "salesmodel.predictive",
    "salesmodel.presets",
    "salesmodel.privacy",
    "salesmodel.samples",
    "salesmodel.serialization",
    "salesmodel.strategies",
)
SNAPSHOT = Path(__file__).with_name("api_snapshot.txt")


def _signature(obj: object) -> str:
    try:
        return str(inspect.signature(obj))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "(...)"


def public_api() -> list[str]:
    """One line per public name, public method and property, with signatures."""
    lines = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in sorted(module.__all__):
            obj = getattr(module, name)
            where = f"{module_name}.{name}"
            if inspect.isclass(obj) and issubclass(obj, enum.Enum):
                # Members, not the signature: Enum's own signature differs by Python.
                lines.append(f"{where} enum[{', '.join(str(m.value) for m in obj)}]")
            elif inspect.isclass(obj):
                lines.append(f"{where} class{_signature(obj)}")
                for attr, member in sorted(vars(obj).items()):
                    if attr.startswith("_"):
                        continue
                    if inspect.isfunction(member) or isinstance(
                        member, (classmethod, staticmethod)
                    ):
                        func = member.__func__ if hasattr(member, "__func__") else member
                        lines.append(f"{where}.{attr}{_signature(func)}")
                    elif isinstance(member, property):
                        lines.append(f"{where}.{attr} property")
            elif callable(obj):
                lines.append(f"{where}{_signature(obj)}")
            else:
                lines.append(f"{where}: {type(obj).__name__}")
    return lines


def test_the_public_api_matches_its_snapshot():
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    current = public_api()
    added = sorted(set(current) - set(expected))
    removed = sorted(set(expected) - set(current))
    changes = [*(f"+ {x}" for x in added), *(f"- {x}" for x in removed)]
    assert not changes, (
        "the public API changed; if on purpose, run "
        "`python tests/test_api_stability.py --update` and note it in CHANGELOG.md\n"
        + "\n".join(changes)
    )


def test_every_public_name_is_documented():
    undocumented = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
                undocumented.append(f"{module_name}.{name}")
    assert not undocumented


def test_the_version_comes_from_the_package_metadata_and_pyproject():
    pyproject = tomllib.loads(Path(__file__).parents[1].joinpath("pyproject.toml").read_text())
    assert salesmodel.__version__ == version("salesmodel") == pyproject["project"]["version"]


def test_importing_the_package_loads_the_records_only_and_the_rest_on_first_use():
    code = (
        "import sys\n"
        "import salesmodel as sm\n"
        "loaded = {m for m in sys.modules if m.startswith('salesmodel.')}\n"
        "assert loaded <= {'salesmodel.' + m for m in ('_checks', '_rules', '_time',"
        " '_vocabulary', 'attributes', 'entities', 'enums', 'errors', 'money')}, loaded\n"
        "assert sm.kpi.win_rate is sys.modules['salesmodel.kpi'].win_rate\n"
        "assert sm.from_dict is sys.modules['salesmodel.serialization'].from_dict\n"
        "assert 'kpi' in dir(sm) and sm.DEFAULT_PIPELINE.id == 'default'\n"
        "try:\n"
        "    sm.no_such_name\n"
        "except AttributeError as exc:\n"
        "    assert 'no_such_name' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    SNAPSHOT.write_text("\n".join(public_api()) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
