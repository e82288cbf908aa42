"""Field rules, compiled into one fast check that runs after ``__init__``.

Each entity field carries a :class:`Rule` in its attrs metadata: a Python
expression that is true for a valid value, what it expects (for the message), and
optionally how to normalise an input that is close (``"won"`` → ``Status.WON``, a
dict → :class:`Attributes`). Rules that span fields (``closed_at`` versus
``status``) are plain functions, :class:`CrossRule`.

:func:`checked` compiles all of a class's rules into a single
``__init__``: one boolean expression for the common, valid case. Only
when it fails does the slow path run, which normalises what it can and otherwise
collects *every* issue, so one error names every bad field. The slow path uses the
same expressions, so the two paths cannot disagree.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

import attrs

from .errors import Issue, ValidationError

RULE: Final = "salesmodel.rule"
PERSONAL: Final = "salesmodel.personal"

T = TypeVar("T")
Explain = Callable[[Any], list[Issue]]


@attrs.frozen
class Rule:
    """How one field is checked.

    Attributes:
        test: A boolean expression over ``{v}``, the field's value.
        expected: What a valid value is, phrased to follow "must be".
        names: The globals *test* refers to.
        normalize: Turns a near-valid value into a valid one (it may return its
            input unchanged when it cannot); only tried when *test* fails.
        explain: The issues of an invalid value, when the plain "must be
            *expected*" would not say what is wrong: sub-issues of a container
            field, with paths relative to the field (``"[2]"``, ``"['key']"``), or
            one issue (path ``"$"``) that says exactly what a valid value is.
        eager: Whether the compiled ``__init__`` tries *normalize* itself, so
            that a near-valid value (``"won"`` for ``Status.WON``) costs its own
            conversion and the record stays on the fast path. Only for a
            *normalize* that can run twice on the same input with the same
            result (the slow path may try it again): not for one that consumes
            an iterator.
        inline: For an eager rule, an expression over ``{v}`` that *normalize*
            would return, written into the compiled ``__init__`` in place of the
            call (its globals in *names*): the commonest conversion, a str to an
            enum member, then costs a dict lookup, not a function call.
    """

    test: str
    expected: str
    names: Mapping[str, Any] = attrs.field(factory=dict)
    normalize: Callable[[Any], Any] | None = None
    explain: Explain | None = None
    eager: bool = False
    inline: str | None = None

    def optional(self) -> Rule:
        """The same rule, also accepting None."""
        return attrs.evolve(
            self,
            test=f"{{v}} is None or ({self.test})",
            expected=f"None or {self.expected}",
            normalize=None if self.normalize is None else _skip_none(self.normalize),
        )


def _skip_none(normalize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def skip_none(v: Any) -> Any:
        return v if v is None else normalize(v)

    skip_none.__wrapped__ = normalize  # type: ignore[attr-defined]
    return skip_none


@attrs.frozen
class CrossRule:
    """A check over several fields: returns None when fine, else its issues.

    *fast*, when given, is a boolean expression over the field names that is true
    exactly when *check* would return None; it spares a call on the common path.
    """

    fields: tuple[str, ...]
    check: Callable[..., list[Issue] | None]
    fast: str | None = None
    names: Mapping[str, Any] = attrs.field(factory=dict)


def cross(
    *fields: str, fast: str | None = None, names: Mapping[str, Any] | None = None
) -> Callable[[Callable[..., list[Issue] | None]], CrossRule]:
    """Declare a cross-field rule over *fields* (passed positionally)."""

    def declare(check: Callable[..., list[Issue] | None]) -> CrossRule:
        return CrossRule(fields, check, fast, dict(names or {}))

    return declare


def meta(rule: Rule, *, personal: bool = False) -> dict[str, Any]:
    """Field metadata carrying *rule* (and whether the field holds personal data)."""
    return {RULE: rule, PERSONAL: personal}


def is_collection(value: object) -> bool:
    """Whether *value* is an iterable of items: not None or a number, and not a str,
    bytes or mapping, which iterate too but by character or by key (so
    ``categorical="region"`` would quietly mean ``{"r", "e", ...}``)."""
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, bytearray, Mapping))


def collection_argument(value: object, name: str, expected: str, subject: str | None) -> None:
    """Refuse the argument *name* unless :func:`is_collection`, with the
    ValidationError every function raises for it (not the TypeError of ``iter``)."""
    if not is_collection(value):
        raise ValidationError.single(name, value, expected, subject)


class Record:
    """Base of every entity whose ``__init__`` :func:`checked` compiled."""

    # The weak-reference slot lives here, not after each class's own slots, so
    # that a class and its builder (see _builder) share one layout.
    __slots__ = ("__weakref__",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An attrs class made from a checked entity (``class MyDeal(Deal)`` with
        ``@attrs.frozen``) keeps every rule of its parent: attrs gave it an
        ``__init__`` of its own, which would check nothing. Its new fields take
        their rule from their metadata (:func:`meta`), else any value; a field it
        declares again keeps its parent's rule. attrs validators, converters and
        ``__attrs_post_init__`` are refused (TypeError): they would not run."""
        super().__init_subclass__(**kwargs)
        if "__attrs_attrs__" not in cls.__dict__ or "__salesmodel_declared__" in cls.__dict__:
            return  # the class statement's class (attrs makes the real one), or checked
        declared = getattr(cls, "__salesmodel_declared__", None)
        if declared is not None:
            cross_rules, error = declared
            _declare(cls, cross_rules, error, inherited=True)

    def __dask_tokenize__(self) -> tuple[str, bytes]:
        """A cheap, deterministic Dask token: the class and the pickled fields.

        Without it Dask tokenizes a record by pickling it repeatedly until two
        pickles agree (~85 µs a deal here); one pickle is ~13 µs. The pickle holds
        every field, so different records never share a token.
        """
        import pickle  # here: only Dask calls this

        return (type(self).__qualname__, pickle.dumps(self, protocol=5))


@attrs.frozen
class _Plan:
    """What :func:`collect` needs to know about one class."""

    subject: str
    rules: tuple[tuple[str, Rule, Callable[[Any], bool]], ...]
    cross: tuple[CrossRule, ...]
    error: type[ValidationError] = ValidationError


def checked(
    *cross_rules: CrossRule, error: type[ValidationError] = ValidationError
) -> Callable[[type[T]], type[T]]:
    """Compile the field rules and *cross_rules* of an attrs class into its
    ``__init__``. Apply it above ``@attrs.frozen(kw_only=True)``.

    attrs' own ``__init__`` followed by a post-init check would walk the fields
    twice; the compiled one tests the arguments in one boolean expression, then
    stores them, with the signature attrs (and type checkers) give the class.
    The code is generated when the class is first used, not when it is
    defined, so importing a module of entities costs little.
    """

    def declare(cls: type[T]) -> type[T]:
        return _declare(cls, cross_rules, error)

    return declare


#: The rule of a field a subclass of an entity adds without one: any value.
ANY: Final = Rule("True", "any value")


def _declare(
    cls: type[T],
    cross_rules: tuple[CrossRule, ...],
    error: type[ValidationError],
    *,
    inherited: bool = False,
) -> type[T]:
    """:func:`checked`'s work on *cls*; *inherited*: its parent's rules, with any
    value for a new field without a rule of its own."""
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    unruled = [f.name for f in fields if RULE not in f.metadata]
    if unruled and not inherited:
        raise TypeError(f"{cls.__name__} fields without a rule: {unruled}")
    if any(isinstance(f.default, attrs.Factory) for f in fields):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__}: use immutable defaults, not factories")
    if inherited:
        _refuse_unrun_checks(cls, fields)
    _rule_names(cls, [_rule(cls, f) for f in fields], cross_rules)  # fail early
    declared = cls.__init__  # attrs' own: its name and docstring stay

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _compiled(cls)  # replaces this __init__ with the compiled one
        cls.__init__(self, *args, **kwargs)

    def make(*values: Any) -> Any:
        return _compiled(cls)[1](*values)

    __init__.__qualname__ = declared.__qualname__
    __init__.__doc__ = declared.__doc__
    __init__.__signature__ = _signature(fields)  # type: ignore[attr-defined]
    cls.__salesmodel_declared__ = (cross_rules, error)  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[method-assign]
    cls.__salesmodel_make__ = make  # type: ignore[attr-defined]
    return cls


def _rule(cls: type, field: Any) -> Rule:
    """The rule of an attrs field of *cls*: its own, else that of the field of that
    name of the nearest base (a subclass that declares a field again keeps its
    parent's rule), else any value (a field a subclass added without one)."""
    if RULE in field.metadata:
        rule: Rule = field.metadata[RULE]
        return rule
    for base in cls.__mro__[1:]:
        parent = attrs.fields_dict(base).get(field.name) if attrs.has(base) else None
        if parent is not None and RULE in parent.metadata:
            inherited: Rule = parent.metadata[RULE]
            return inherited
    return ANY


def _refuse_unrun_checks(cls: type, fields: Any) -> None:
    """Refuse what attrs would run in the ``__init__`` a checked class replaces:
    its validators, converters and ``__attrs_post_init__`` would be skipped in
    silence."""
    unrun = [f.name for f in fields if f.validator is not None or f.converter is not None]
    if unrun:
        raise TypeError(
            f"{cls.__name__} fields with attrs validators or converters, which a checked "
            f"entity does not run: {unrun} (give a rule with metadata=meta(...))"
        )
    if "__attrs_post_init__" in cls.__dict__:
        raise TypeError(
            f"{cls.__name__}.__attrs_post_init__ would not run: a checked entity's "
            "__init__ is its rules (give a rule with metadata=meta(...), or a cross rule)"
        )


def slot(cls: type, name: str) -> Any:
    """The slot descriptor of field *name*: *cls*'s own, or a base's (a subclass of
    an entity holds only its new fields' slots)."""
    return next(k.__dict__[name] for k in cls.__mro__ if name in k.__dict__)


def _signature(fields: Any) -> inspect.Signature:
    """The signature of the compiled ``__init__`` (positional fields first, as
    attrs orders them), for the placeholder that stands for it until then."""
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for kw_only in (False, True):
        kind = (
            inspect.Parameter.KEYWORD_ONLY if kw_only else inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        params.extend(
            inspect.Parameter(
                f.name,
                kind,
                default=inspect.Parameter.empty if f.default is attrs.NOTHING else f.default,
            )
            for f in fields
            if f.kw_only is kw_only
        )
    return inspect.Signature(params)


_COMPILING: Final = threading.Lock()


def _compiled(cls: type) -> tuple[_Plan, Callable[..., Any]]:
    """The compiled rules of *cls* and its ``make``, generated on first use."""
    done: tuple[_Plan, Callable[..., Any]] | None = cls.__dict__.get("__salesmodel_compiled__")
    if done is not None:
        return done
    with _COMPILING:  # two threads' first records: one compiles, the other waits
        done = cls.__dict__.get("__salesmodel_compiled__")
        if done is None:
            cross_rules, error = cls.__salesmodel_declared__  # type: ignore[attr-defined]
            fields = attrs.fields(cls)
            rules = tuple((f.name, _rule(cls, f), _compile_test(_rule(cls, f))) for f in fields)
            plan = _Plan(cls.__name__, rules, cross_rules, error)
            init, make = _compile_init(cls, plan, fields)
            cls.__init__ = init  # type: ignore[misc]
            cls.__salesmodel_make__ = make  # type: ignore[attr-defined]
            done = (plan, make)
            cls.__salesmodel_compiled__ = done  # type: ignore[attr-defined]
    return done


def maker(cls: type) -> Callable[..., Any]:
    """``make(*values)``: a new *cls* from its field values in field order, with
    every check of its ``__init__`` (for callers that build many)."""
    return _compiled(cls)[1]


def _compile_test(rule: Rule) -> Callable[[Any], bool]:
    source = f"lambda v: bool({rule.test.format(v='v')})"
    return eval(source, dict(rule.names))  # type: ignore[no-any-return]


def _compile_init(
    cls: type, plan: _Plan, fields: Any
) -> tuple[Callable[..., None], Callable[..., Any]]:
    """Generate ``__init__`` (keyword-only, as attrs declares it) and ``make``,
    the same construction taking positional values in field order."""
    names = [f.name for f in fields]
    namespace: dict[str, Any] = {"_repair": _repairer(plan, names), "_new": object.__new__}
    namespace.update(_rule_names(cls, [rule for _, rule, _ in plan.rules], plan.cross))
    positional: list[str] = []
    keyword: list[str] = []
    for f in fields:
        param = f.name
        if f.default is not attrs.NOTHING:
            namespace[f"_d_{f.name}"] = f.default
            param = f"{f.name}=_d_{f.name}"
        (keyword if f.kw_only else positional).append(param)
        namespace[f"_s_{f.name}"] = slot(cls, f.name).__set__
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    defaults = {f.name: f.default for f in fields}
    tests = " and ".join(
        _fast_test(name, rule, test, defaults[name], namespace) for name, rule, test in plan.rules
    )
    fast = f"not ({tests})"
    for j, rule_x in enumerate(plan.cross):
        if rule_x.fast is not None:
            fast += f" or not ({rule_x.fast})"
        else:
            namespace[f"_x{j}"] = rule_x.check
            fast += f" or _x{j}({', '.join(rule_x.fields)}) is not None"
    values = ", ".join(names) + ","
    converted = []  # attrs converters run first, as attrs' own __init__ would run them
    for f in fields:
        if f.converter is not None:
            namespace[f"_c_{f.name}"] = f.converter
            converted.append(f"    {f.name} = _c_{f.name}({f.name})")
    check = [
        *converted,
        # A hostile value (a tzinfo whose utcoffset() raises, a __eq__ that
        # raises) fails the check like any bad value: the slow path names it.
        "    try:",
        f"        bad = {fast}",
        "    except Exception:",
        "        bad = True",
        "    if bad:",
        f"        {values} = _repair({values})",
    ]
    through_slots = [f"    _s_{name}(self, {name})" for name in names]
    builder = _builder(cls)
    if builder is None:
        init_store, make_new, make_store = through_slots, "_cls", through_slots
    else:
        # Storing through a frozen class's slot descriptors costs a call a field
        # (0.14 µs); a plain store on its builder, a tenth of that.
        stores = [*(f"    self.{name} = {name}" for name in names), "    self.__class__ = _cls"]
        init_store = [
            "    if type(self) is _cls:",  # not a subclass of one's own: its layout may differ
            "        _set(self, '__class__', _builder)",
            *(f"    {line}" for line in stores),
            "    else:",
            *(f"    {line}" for line in through_slots),
        ]
        make_new, make_store = "_builder", stores
        namespace["_builder"] = builder
        namespace["_set"] = object.__setattr__
    source = "\n".join(
        [
            f"def __init__({params}):",
            *check,
            *init_store,
            f"def make({', '.join(names)}):",
            f"    self = _new({make_new})",
            *check,
            *make_store,
            "    return self",
        ]
    )
    namespace["_cls"] = cls
    exec(source, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = getattr(cls.__init__, "__doc__", None)  # type: ignore[misc]
    return init, namespace["make"]


def _rule_names(cls: type, rules: list[Rule], cross_rules: tuple[CrossRule, ...]) -> dict[str, Any]:
    """The globals of all the rules of *cls*: one name, one meaning."""
    names: dict[str, Any] = {}
    for mapping in [rule.names for rule in rules] + [x.names for x in cross_rules]:
        for key, value in mapping.items():
            if names.setdefault(key, value) is not value:
                raise TypeError(f"rule name {key!r} means two things in {cls.__name__}")
    return names


@functools.cache
def _builder(cls: type) -> type | None:
    """A mutable twin of *cls*: the same bases and slots, without the frozen
    ``__setattr__``, so an instance can be filled by plain stores and then made
    a *cls* by setting ``__class__``. None when Python refuses that swap."""
    slots = tuple(name for name in cls.__dict__.get("__slots__", ()) if name != "__weakref__")
    try:
        twin = type(f"{cls.__name__}Builder", cls.__bases__, {"__slots__": slots})
        if any("__setattr__" in vars(base) for base in twin.__mro__[1:-1]):
            return None  # a base of its own freezes it too
        probe: Any = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:
        return None
    twin.__qualname__ = f"{cls.__qualname__}Builder"
    twin.__module__ = cls.__module__
    return twin


def _fast_test(
    name: str, rule: Rule, compiled: Callable[[Any], bool], default: Any, namespace: dict[str, Any]
) -> str:
    """The fast path's test of field *name*: its rule's test; for an eager rule,
    a value that fails it is normalised in place and tested again, so only this
    field pays for its conversion. The field's own default, when valid, passes
    at the cost of one identity test."""
    test = f"({rule.test.format(v=name)})"
    if rule.eager and rule.normalize is not None:
        # Only a value that failed the test gets here: never None for an
        # optional rule, so its normaliser is called without the None guard.
        namespace[f"_n_{name}"] = getattr(rule.normalize, "__wrapped__", rule.normalize)
        normalized = f"_n_{name}({name})" if rule.inline is None else rule.inline.format(v=name)
        # `(x := n(x)) is x` is always true: it rebinds x, then the test runs on it.
        test = f"({test} or (({name} := {normalized}) is {name} and {test}))"
    if default is not attrs.NOTHING and default is not None and _passes(compiled, default):
        test = f"({name} is _d_{name} or {test})"
    return test


def _repairer(plan: _Plan, names: list[str]) -> Callable[..., tuple[Any, ...]]:
    def repair(*given: Any) -> tuple[Any, ...]:
        values = dict(zip(names, given, strict=True))
        issues, fixed = collect(plan, values)
        if issues:
            raise plan.error(issues, plan.subject)
        return tuple(fixed[name] for name in names)

    return repair


@functools.cache
def replacer(cls: type, names: tuple[str, ...]) -> Callable[..., Any]:
    """``replace(old, *values)``: a copy of *old* with the fields *names* set to
    *values*, with no checks at all.

    Only for callers that have proved the new values valid and consistent (a
    pipeline move checks exactly what it changes): re-checking the unchanged
    fields of an already valid record would be wasted work.
    """
    fields = [f.name for f in attrs.fields(cls)]
    unknown = set(names) - set(fields)
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    namespace: dict[str, Any] = {}
    # Replacing every field needs no old record: then the function is a plain,
    # unchecked positional constructor.
    head = "def replace(" + ", ".join(["old", *names] if set(names) != set(fields) else names)
    lines = [
        head + "):",
        *unchecked(cls, "new", {n: n for n in names}, namespace),
        "    return new",
    ]
    exec("\n".join(lines), namespace)
    return namespace["replace"]  # type: ignore[no-any-return]


def unchecked(
    cls: type, target: str, values: Mapping[str, str], namespace: dict[str, Any]
) -> list[str]:
    """Source lines (in a function) that make *target* a new *cls* whose fields
    hold the expressions *values*, the others those of ``old``, with no checks;
    the globals they read go into *namespace*."""
    builder = _builder(cls)
    new = _unique(namespace, "_new", object.__new__)
    made = _unique(namespace, f"_{cls.__name__}", cls)
    if builder is None:
        lines = [f"    {target} = {new}({made})"]
        for f in attrs.fields(cls):
            setter = _unique(namespace, f"_s_{cls.__name__}_{f.name}", slot(cls, f.name).__set__)
            lines.append(f"    {setter}({target}, {values.get(f.name, f'old.{f.name}')})")
        return lines
    # Plain stores on the mutable twin, which then becomes a *cls*, as the
    # compiled __init__ does: a tenth of the cost of a frozen slot's descriptor.
    twin = _unique(namespace, f"_{cls.__name__}Builder", builder)
    return [
        f"    {target} = {new}({twin})",
        *(
            f"    {target}.{f.name} = {values.get(f.name, f'old.{f.name}')}"
            for f in attrs.fields(cls)
        ),
        f"    {target}.__class__ = {made}",
    ]


def _unique(namespace: dict[str, Any], name: str, value: Any) -> str:
    """*name*, bound to *value* in *namespace* (a name is never rebound)."""
    assert namespace.setdefault(name, value) is value, name
    return name


def plan_of(cls: type) -> _Plan:
    """The compiled rules of a :func:`checked` class."""
    return _compiled(cls)[0]


def _passes(test: Callable[[Any], bool], value: Any) -> bool:
    """Whether *value* passes *test*; a test that raises on it is a failure."""
    try:
        return test(value)
    except Exception:  # noqa: BLE001 - hostile values fail, never escape
        return False


def _normalized(normalize: Callable[[Any], Any], value: Any) -> Any:
    try:
        return normalize(value)
    except Exception:  # noqa: BLE001 - what cannot be normalised stays as given
        return value


def collect(plan: _Plan, values: Mapping[str, Any]) -> tuple[list[Issue], dict[str, Any]]:
    """Every issue with *values* (fields absent from it are skipped), and the
    values after normalisation."""
    issues: list[Issue] = []
    good: dict[str, Any] = {}
    for name, rule, test in plan.rules:
        if name not in values:
            continue
        value = values[name]
        if not _passes(test, value) and rule.normalize is not None:
            value = _normalized(rule.normalize, value)
        if _passes(test, value):
            good[name] = value
        elif rule.explain is not None:
            issues.extend(issue.under(name) for issue in rule.explain(value))
        else:
            issues.append(Issue(name, value, rule.expected))
    for rule_x in plan.cross:
        # A cross rule only judges fields that passed their own rules.
        if all(f in good for f in rule_x.fields):
            found = rule_x.check(*(good[f] for f in rule_x.fields))
            if found:
                issues.extend(found)
    return issues, good
