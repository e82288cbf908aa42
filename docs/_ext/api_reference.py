"""The reference as readers expect it: each field once, constants with their own
comment, and every public name documented.

- Fields described together (``start, end: The period.``) are split into one
  entry each, before napoleon reads them, so each gets its own type.
- An attrs class's fields are its constructor's parameters. The docstring's
  "Attributes:" section documents them, each with its type and an anchor of its
  own (``salesmodel.Deal.closed_at``), kept out of the pages' contents; the
  parameter list autodoc adds from the signature would repeat them, so it is
  dropped, and so is a field a property documents in its own docstring. So are
  the parameters autodoc would list a second time below a docstring's "Raises:".
- A constant re-exported by ``salesmodel`` (``DEFAULT_PIPELINE``) has its ``#:``
  comment in the module that defines it; autodoc would show its type's docstring
  instead. Constants' comments are plain reST, so napoleon does not read their
  first line as "type: description" either.
- Annotations autodoc cannot evaluate stay as the source spells them
  (``dt.datetime``); they link to what the source's imports mean.
- A name a docstring cites without its module (:class:`TransitionError` in
  ``salesmodel.strategies``, :data:`FIT_CAP` in ``Contribution``) links to the one
  module-level name it can be: ``salesmodel.TransitionError``,
  ``salesmodel.scoring.FIT_CAP``. None or several: nitpicky mode reports it.
- Every name in the ``__all__`` of a module the reference documents must be in the
  reference: a new public name without documentation fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx import addnodes
from sphinx.addnodes import pending_xref
from sphinx.ext import intersphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)

_SECTION = re.compile(r"(\s*)(Args|Arguments|Attributes|Keyword Args|Keyword Arguments):\s*$")
_GROUPED = re.compile(r"(\s+)(\w+(?:, \w+)+):(.*)$")
_ATTRIBUTE = re.compile(r"(\s*)\.\. attribute:: ")
_ORDER = {"param": 0, "type": 0, "returns": 1, "rtype": 1, "yields": 1, "raises": 2}


def _split_grouped_fields(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    out: list[str] = []
    section: str | None = None  # the indentation of the section being read
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _SECTION.match(line)
        if header:
            section = header.group(1)
        elif line.strip() and section is not None and not line.startswith(section + " "):
            section = None
        grouped = _GROUPED.match(line) if section is not None else None
        if grouped is None:
            out.append(line)
            i += 1
            continue
        indent, names, first = grouped.groups()
        following = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(indent + " ")):
            following.append(lines[i])
            i += 1
        for field in names.split(", "):
            out.extend([f"{indent}{field}:{first}", *following])
    lines[:] = out


def _own_doc(cls: Any, name: str) -> bool:
    """Whether autodoc documents *name* as a member of its own (a property)."""
    try:
        member = inspect.getattr_static(cls, name)
    except AttributeError:
        return False
    return isinstance(member, property) and bool(member.__doc__)


def _fields_as_attributes(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    if what not in {"class", "exception"}:
        return
    out: list[str] = []
    i = 0
    while i < len(lines):
        attribute = _ATTRIBUTE.match(lines[i])
        if attribute is None:
            out.append(lines[i])
            i += 1
            continue
        indent = attribute.group(1)
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent + " ")):
            end += 1
        block, i = lines[i:end], end
        if _own_doc(obj, block[0][attribute.end() :].strip()):
            continue  # its property's docstring documents it
        # The type goes into the signature ("amount: Money"), not below the text.
        types = [line for line in block if line.strip().startswith(":type:")]
        body = [line for line in block[1:] if line not in types and ":no-index:" not in line]
        out += [block[0], f"{indent}   :no-contents-entry:", *(t.rstrip() for t in types)]
        out += [f"{indent}   :no-index:"] if any(":no-index:" in x for x in block) else []
        out += body
    lines[:] = out


def _fields_once(app: Sphinx, domain: str, objtype: str, content: nodes.Element) -> None:
    if domain != "py":
        return
    # Fields documented as attributes, then parameters and return types already
    # listed: autodoc adds its typed list to each field list of a docstring, so
    # one with a "Raises:" after an example would list the parameters twice.
    seen = {
        ("param", signature["fullname"].rpartition(".")[2])
        for desc in content.children
        if isinstance(desc, addnodes.desc) and desc["objtype"] == "attribute"
        for signature in desc.children
        if isinstance(signature, addnodes.desc_signature)
    }
    for field_list in [n for n in content.children if isinstance(n, nodes.field_list)]:
        listed = set()
        for field in list(field_list.children):
            kind, _, name = field[0].astext().partition(" ")
            key = ("param" if kind in {"param", "type"} else kind, name)
            if kind in {"param", "type", "rtype"} and key in seen:
                field_list.remove(field)
            else:
                listed.add(key)
        seen |= listed
        if not field_list.children:
            content.remove(field_list)
            continue
        # Parameters first, then what it returns, then what it raises, as napoleon
        # orders them (autodoc appends its typed parameters at the end of a list).
        fields = sorted(field_list.children, key=lambda f: _ORDER.get(f[0].astext().split()[0], 3))
        field_list[:] = fields


def _comment(module: str, name: str) -> list[str] | None:
    try:
        docs = ModuleAnalyzer.for_module(module).find_attr_docs()
    except Exception:  # noqa: BLE001 - a module without source has no comments
        return None
    lines = docs.get(("", name))
    return list(lines) if lines else None


def _constant_comment(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    if what != "data":
        return
    module, _, attr = name.rpartition(".")
    package = module.split(".")[0]
    # The module itself, then the modules of the same package that define it.
    defining = (
        other
        for other, loaded in list(sys.modules.items())
        if other.startswith(package + ".") and getattr(loaded, attr, None) is obj
    )
    candidates = [module, *sorted(defining)]
    for candidate in candidates:
        comment = _comment(candidate, attr)
        if comment:
            lines[:] = comment
            return


# How the source imports what annotations name, for those autodoc cannot evaluate
# (overloads, Hypothesis' generated wrappers, imports only for type checkers).
_IMPORT_ALIASES = {
    "dt": "datetime",
    "st": "hypothesis.strategies",
    "Figure": "matplotlib.figure.Figure",
    **{name: f"collections.abc.{name}" for name in ("Callable", "Container", "Hashable")},
    **{name: f"collections.abc.{name}" for name in ("Iterable", "Iterator", "Mapping")},
    "Sequence": "collections.abc.Sequence",
    **{name: f"typing.{name}" for name in ("Any", "ClassVar", "Final", "Literal", "Self")},
    "TypeAlias": "typing.TypeAlias",
}


def _import_alias(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    head, dot, rest = node.get("reftarget", "").partition(".")
    if node.get("refdomain") != "py" or head not in _IMPORT_ALIASES:
        return None
    node["reftarget"] = _IMPORT_ALIASES[head] + dot + rest
    return intersphinx.missing_reference(app, env, node, contnode)


def _module_level(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target:
        return None
    objects = env.get_domain("py").objects  # type: ignore[attr-defined]
    found = sorted(
        name
        for name in objects
        if name.endswith(f".{target}")
        and name[: -len(target) - 1] in sys.modules
        and not objects[name].aliased  # a class's canonical name, salesmodel.errors.X
    )
    if len(found) != 1:
        return None  # nitpicky mode reports it, unless it is another project's name
    builder: Builder = app.builder
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], builder, node["reftype"], found[0], node, contnode
    )


def _every_public_name_documented(app: Sphinx, env: BuildEnvironment) -> None:
    objects = env.get_domain("py").objects  # type: ignore[attr-defined]
    modules = sorted(name for name, entry in objects.items() if entry.objtype == "module")
    for module_name in modules:
        public = getattr(importlib.import_module(module_name), "__all__", ())
        for name in public:
            if f"{module_name}.{name}" not in objects:
                logger.warning(
                    "%s.%s is public (in __all__) but not in the reference: add it to "
                    "the page of docs/reference/ that documents %s",
                    module_name,
                    name,
                    module_name,
                    type="reference",
                    subtype="public",
                )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _split_grouped_fields, priority=400)
    app.connect("autodoc-process-docstring", _fields_as_attributes, priority=600)
    app.connect("object-description-transform", _fields_once, priority=600)
    app.connect("missing-reference", _import_alias)
    app.connect("missing-reference", _module_level)
    app.connect("autodoc-process-docstring", _constant_comment, priority=600)
    app.connect("env-check-consistency", _every_public_name_documented)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
