"""intersphinx without a network.

Sphinx would download each project's ``objects.inv`` at build time, but neither
this machine nor CI reaches those sites (only PyPI and npm). So before each
build this extension writes small inventories from the table below into the
build's cache folder, and points every project of ``intersphinx_mapping`` at its
file: the links go to each project's canonical documentation, and the build never
touches the network. The table holds the names these docs link to, with the page
each project documents them on (checked against the projects' documentation
sources). A name missing here is a broken cross-reference, and nitpicky mode
fails the build; add it, with its page, to the project's rows.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import ConfigError

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

# What the links' tooltips call each project: "(in Python)".
TITLES = {
    "python": "Python",
    "attrs": "attrs",
    "cattrs": "cattrs",
    "hypothesis": "Hypothesis",
    "pandas": "pandas",
    "polars": "Polars",
    "narwhals": "Narwhals",
    "matplotlib": "Matplotlib",
}

# project: [(role, page, names)]. Each name's anchor is the name itself; a module's
# is "module-<name>".
INVENTORIES: dict[str, list[tuple[str, str, str]]] = {
    "python": [
        ("py:class", "library/stdtypes.html", "str bytes tuple list dict set frozenset"),
        ("py:class", "library/functions.html", "bool int float object type"),
        ("py:data", "library/constants.html", "None"),
        (
            "py:exception",
            "library/exceptions.html",
            "Exception ImportError KeyError LookupError TypeError ValueError",
        ),
        (
            "py:class",
            "library/collections.abc.html",
            "collections.abc.Callable collections.abc.Collection collections.abc.Container "
            "collections.abc.Hashable collections.abc.Iterable collections.abc.Iterator "
            "collections.abc.Mapping collections.abc.Sequence collections.abc.Set",
        ),
        (
            "py:class",
            "library/datetime.html",
            "datetime.date datetime.datetime datetime.timedelta datetime.timezone datetime.tzinfo",
        ),
        ("py:class", "library/decimal.html", "decimal.Decimal"),
        ("py:class", "library/fractions.html", "fractions.Fraction"),
        ("py:class", "library/random.html", "random.Random"),
        ("py:class", "library/csv.html", "csv.DictReader"),
        ("py:class", "library/zoneinfo.html", "zoneinfo.ZoneInfo"),
        ("py:class", "library/types.html", "types.MappingProxyType"),
        ("py:class", "library/enum.html", "enum.Enum enum.StrEnum"),
        (
            "py:data",
            "library/typing.html",
            "typing.Any typing.ClassVar typing.Final typing.Literal typing.Self typing.TypeAlias",
        ),
        ("py:module", "library/datetime.html", "datetime"),
        ("py:module", "library/decimal.html", "decimal"),
        ("py:module", "library/zoneinfo.html", "zoneinfo"),
    ],
    "attrs": [
        (
            "py:function",
            "api.html",
            "attrs.asdict attrs.define attrs.evolve attrs.field attrs.fields attrs.frozen "
            "attrs.has",
        ),
        ("py:class", "api.html", "attrs.Attribute attrs.Factory"),
    ],
    "cattrs": [
        ("py:class", "cattrs.html", "cattrs.BaseConverter cattrs.Converter"),
        ("py:exception", "cattrs.html", "cattrs.errors.ClassValidationError"),
    ],
    "hypothesis": [
        (
            "py:class",
            "reference/strategies.html",
            "hypothesis.strategies.DataObject hypothesis.strategies.SearchStrategy",
        ),
        (
            "py:function",
            "reference/strategies.html",
            "hypothesis.strategies.builds hypothesis.strategies.composite "
            "hypothesis.strategies.from_type hypothesis.strategies.register_type_strategy "
            "hypothesis.strategies.sampled_from",
        ),
        ("py:function", "reference/api.html", "hypothesis.given"),
        ("py:class", "reference/api.html", "hypothesis.settings"),
        ("py:class", "reference/api.html", "hypothesis.stateful.RuleBasedStateMachine"),
        ("py:exception", "reference/api.html", "hypothesis.errors.InvalidArgument"),
    ],
    "pandas": [
        ("py:class", "reference/api/pandas.DataFrame.html", "pandas.DataFrame"),
        ("py:class", "reference/api/pandas.Series.html", "pandas.Series"),
    ],
    "polars": [
        ("py:class", "reference/dataframe/index.html", "polars.DataFrame"),
        ("py:class", "reference/lazyframe/index.html", "polars.LazyFrame"),
        ("py:class", "reference/series/index.html", "polars.Series"),
    ],
    "narwhals": [
        ("py:class", "api-reference/dataframe/", "narwhals.dataframe.DataFrame"),
        ("py:class", "api-reference/lazyframe/", "narwhals.dataframe.LazyFrame"),
        ("py:class", "api-reference/series/", "narwhals.series.Series"),
    ],
    "matplotlib": [
        ("py:class", "api/_as_gen/matplotlib.figure.Figure.html", "matplotlib.figure.Figure"),
    ],
}


# Other names of the objects above, linking where they do: the defining module's
# path (what an annotation names), or the name users import (narwhals documents
# its classes under their modules' paths).
ALIASES = {
    "cattrs.converters.BaseConverter": "cattrs.BaseConverter",
    "cattrs.converters.Converter": "cattrs.Converter",
    "pandas.core.frame.DataFrame": "pandas.DataFrame",
    "pandas.core.series.Series": "pandas.Series",
    "polars.dataframe.frame.DataFrame": "polars.DataFrame",
    "polars.lazyframe.frame.LazyFrame": "polars.LazyFrame",
    "polars.series.series.Series": "polars.Series",
    "narwhals.DataFrame": "narwhals.dataframe.DataFrame",
    "narwhals.LazyFrame": "narwhals.dataframe.LazyFrame",
    "narwhals.Series": "narwhals.series.Series",
}


def inventory(project: str, rows: list[tuple[str, str, str]]) -> bytes:
    """The objects.inv of *project*'s rows (format version 2, as Sphinx writes it)."""
    entries = {}
    for role, page, names in rows:
        for name in names.split():
            anchor = f"module-{name}" if role == "py:module" else name
            entries[name] = (role, f"{page}#{anchor}")
    entries |= {alias: entries[name] for alias, name in ALIASES.items() if name in entries}
    lines = [f"{name} {role} 1 {uri} -\n" for name, (role, uri) in entries.items()]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {TITLES[project]}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    return header.encode() + zlib.compress("".join(sorted(lines)).encode())


def _write_inventories(app: Sphinx, config: Config) -> None:
    folder = Path(app.doctreedir) / "inventories"
    folder.mkdir(parents=True, exist_ok=True)
    mapping = config.intersphinx_mapping
    for project, (url, _location) in list(mapping.items()):
        if project not in INVENTORIES or project not in TITLES:
            msg = f"intersphinx project {project!r} has no rows in docs/_ext/offline_inventories.py"
            raise ConfigError(msg)
        path = folder / f"{project}.inv"
        path.write_bytes(inventory(project, INVENTORIES[project]))
        mapping[project] = (url, str(path))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.intersphinx")
    # Before intersphinx reads the mapping (at priority 800).
    app.connect("config-inited", _write_inventories, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
