"""Privacy: personal fields are marked, and redaction leaves none of them behind."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, StageChange, Target
from salesmodel import strategies as sst
from salesmodel.attributes import Attributes
from salesmodel.errors import ValidationError
from salesmodel.privacy import personal_fields, pseudonym, redact

KEY = b"0123456789abcdef-a-test-key-of-32+"
ENTITIES = {
    Rep: sst.reps(),
    Lead: sst.leads(),
    Prospect: sst.prospects(),
    Deal: sst.deals(),
    Customer: sst.customers(),
    Activity: sst.activities(),
    Target: sst.targets(),
    StageChange: sst.stage_changes(),
    Bant: sst.bants(),
}


def test_every_field_that_can_hold_personal_data_is_marked():
    assert personal_fields(Lead) == ("name", "company", "email", "attributes", "history")
    assert personal_fields(Prospect) == ("name", "company", "needs", "attributes")
    assert personal_fields(Customer) == ("name", "attributes")
    assert personal_fields(Rep) == ("name",)
    assert personal_fields(Deal) == ("name", "loss_reason", "attributes", "history")
    assert personal_fields(StageChange) == ("reason",)
    assert personal_fields(Activity) == ()
    assert personal_fields(Target) == ()


def _texts(value: object) -> list[str]:
    """Every str inside *value* (a field's value), records included."""
    if isinstance(value, str) and not isinstance(value, Enum):
        return [value]
    if isinstance(value, Attributes):
        return [str(v) for v in value.values() if v is not None]
    if isinstance(value, tuple):
        return [t for item in value for t in _texts(item)]
    if attrs.has(type(value)):
        return [t for name in personal_fields(type(value)) for t in _texts(getattr(value, name))]
    return []


@pytest.mark.parametrize("cls", list(ENTITIES))
def test_no_personal_value_survives_redaction_and_everything_else_does(cls):
    @given(ENTITIES[cls])
    def check(entity):
        safe = redact(entity, key=KEY)
        assert type(safe) is cls
        personal = personal_fields(cls)
        for field in attrs.fields(cls):
            before, after = getattr(entity, field.name), getattr(safe, field.name)
            if field.name in personal:
                assert all(t.startswith("p-") for t in _texts(after))
                assert len(_texts(after)) == len(_texts(before))
            else:
                assert after == before

    check()


@given(st.text(min_size=1))
def test_pseudonyms_are_stable_under_a_key_and_differ_between_keys(value):
    assert pseudonym(value, key=KEY) == pseudonym(value, key=KEY)
    assert pseudonym(value, key=KEY) != pseudonym(value, key=b"another key of at least 32 bytes")


DAY = datetime(2026, 1, 1, tzinfo=UTC)


def test_deal_names_companies_needs_reasons_and_attributes_are_redacted():
    from salesmodel import DEFAULT_PIPELINE, LossReason, Money

    deal = Deal(id="D-1", name="Bruno Lima - 40 seats", amount=Money(1, "EUR"), created_at=DAY,
                attributes={"phone": "+55 11 5555-0100", "seats": 40, "industry": "saas",
                            "vip": True, "note": None})  # fmt: skip
    lost = DEFAULT_PIPELINE.lose(deal, at=DAY, reason="Bruno's boss Maria said no")
    safe = redact(lost, key=KEY, safe_attributes=["industry", "seats"])
    assert safe.name.startswith("p-")
    assert "Bruno" not in safe.name
    assert safe.loss_reason == safe.history[-1].reason
    assert safe.loss_reason.startswith("p-")
    assert dict(safe.attributes) == {
        "phone": pseudonym("+55 11 5555-0100", key=KEY),
        "seats": 40,
        "industry": "saas",
        "vip": pseudonym("true", key=KEY),
        "note": None,
    }
    # A well-known reason names nobody: it stays, so loss-reason figures survive.
    priced = DEFAULT_PIPELINE.lose(deal, at=DAY, reason="Price")
    assert redact(priced, key=KEY).loss_reason is LossReason.PRICE
    lead = Lead(id="L", name="Ana", company="Ana Lima ME", created_at=DAY, source="web")
    assert redact(lead, key=KEY).company == pseudonym("Ana Lima ME", key=KEY)
    prospect = Prospect(id="P", name="Ana", owner_id="r", qualified_at=DAY,
                        needs=("call Ana on +55 11 5555-0100", "a CRM"))  # fmt: skip
    assert redact(prospect, key=KEY).needs == tuple(pseudonym(n, key=KEY) for n in prospect.needs)


def test_safe_attributes_must_be_keys_not_one_str():
    rep = Rep(id="r", name="Ana")
    for bad in ("industry", b"industry", 5):
        with pytest.raises(ValidationError) as info:
            redact(rep, key=KEY, safe_attributes=bad)  # type: ignore[arg-type]
        assert info.value.field == "safe_attributes"


def test_emails_are_pseudonymised_whatever_their_case_so_joins_survive():
    assert pseudonym("Ana@X.io", key=KEY) == pseudonym("ana@x.io", key=KEY)
    lead = Lead(id="L", name="Ana", email="ANA@X.IO", created_at=DAY, source="web")
    other = Lead(id="M", name="Ana", email="ana@x.io", created_at=DAY, source="web")
    assert redact(lead, key=KEY).email == redact(other, key=KEY).email
    assert pseudonym("Ana", key=KEY) != pseudonym("ana", key=KEY)  # names keep their case


@pytest.mark.parametrize(
    "key",
    [b"\x00" * 32, b"a" * 64, bytes(range(7)) * 5, b"0123456789abcdef", b"x" * 31],
)
def test_a_short_or_placeholder_key_is_refused(key):
    with pytest.raises(ValidationError) as info:
        pseudonym("Ana", key=key)
    assert info.value.field == "key"
    assert "secrets.token_bytes(32)" in str(info.value)


def test_a_random_key_of_32_bytes_is_enough():
    import secrets

    assert pseudonym("Ana", key=secrets.token_bytes(32)).startswith("p-")


def test_a_pseudonym_of_something_that_is_not_text_is_refused():
    with pytest.raises(ValidationError) as info:
        pseudonym(5, key=KEY)  # type: ignore[arg-type]
    assert info.value.field == "value"


def test_the_same_name_gets_the_same_pseudonym_in_every_entity_so_joins_survive():
    lead = Lead(id="L", name="Ana", created_at=datetime(2026, 1, 1, tzinfo=UTC), source="x")
    rep = Rep(id="r", name="Ana")
    assert redact(lead, key=KEY).name == redact(rep, key=KEY).name


def test_a_short_key_or_a_non_entity_is_refused():
    with pytest.raises(ValidationError):
        redact(Rep(id="r", name="Ana"), key=b"short")
    with pytest.raises(ValidationError):
        redact("Ana", key=KEY)  # type: ignore[type-var]
    with pytest.raises(ValidationError):
        personal_fields(str)  # type: ignore[arg-type]


def test_kpis_over_redacted_entities_equal_kpis_over_the_originals():
    from salesmodel import kpi
    from salesmodel.samples import generate

    book = generate(seed=5, size=300)
    safe_deals = [redact(d, key=KEY) for d in book.deals]
    safe_reps = {r.id: redact(r, key=KEY) for r in book.reps}
    assert kpi.win_rate(safe_deals, by="owner_id") == kpi.win_rate(book.deals, by="owner_id")
    assert kpi.average_ticket(safe_deals) == kpi.average_ticket(book.deals)
    assert kpi.funnel(safe_deals) == kpi.funnel(book.deals)
    assert kpi.cohort_retention(safe_deals, tz=UTC) == kpi.cohort_retention(book.deals, tz=UTC)
    target = next(t for t in book.targets if t.rep_id is not None)
    assert kpi.attainment(safe_deals, target, reps=safe_reps) == kpi.attainment(
        book.deals, target, reps={r.id: r for r in book.reps}
    )
    safe_leads = [redact(lead, key=KEY) for lead in book.leads]
    assert kpi.conversion_rate(safe_leads) == kpi.conversion_rate(book.leads)
    # ... and the redacted book holds no personal value of the original.
    names = {x.name for x in (*book.leads, *book.reps, *book.customers)}
    emails = {x.email for x in book.leads if x.email}
    leftovers = {x.name for x in (*safe_leads, *safe_reps.values())} | {
        x.email for x in safe_leads if x.email
    }
    assert not leftovers & (names | emails)


KEY16 = KEY


def test_a_key_of_exactly_32_bytes_is_enough_and_31_is_refused_by_its_length():
    assert pseudonym("Ana", key=KEY[:32]).startswith("p-")
    with pytest.raises(ValidationError) as info:
        pseudonym("Ana", key=KEY[:31])
    assert (info.value.field, info.value.value, info.value.allowed) == (
        "key",
        "31 bytes",
        "a random secret of at least 32 bytes, e.g. secrets.token_bytes(32)",
    )
    with pytest.raises(ValidationError) as info:
        redact(Rep(id="R", name="Ana"), key="0123456789abcdefgh")  # type: ignore[arg-type]
    assert (info.value.field, info.value.value) == ("key", "0123456789abcdefgh")


def test_a_pseudonym_is_16_hex_digits_of_the_keyed_hmac_and_keeps_an_email_shape():
    import hashlib
    import hmac

    digest = hmac.new(KEY16, b"salesmodel.redact.v1:Ana", hashlib.sha256).hexdigest()
    assert pseudonym("Ana", key=KEY16) == f"p-{digest[:16]}"
    mail = hmac.new(KEY16, b"salesmodel.redact.v1:a@b.c", hashlib.sha256).hexdigest()
    assert pseudonym("a@b.c", key=KEY16) == f"p-{mail[:16]}@redacted.invalid"
    assert pseudonym("\ud800", key=KEY16).startswith("p-")  # a lone surrogate still hashes


def test_only_entities_and_entity_classes_are_accepted():
    with pytest.raises(ValidationError) as info:
        personal_fields(dict)  # type: ignore[arg-type]
    assert (info.value.field, info.value.value, info.value.allowed) == (
        "cls",
        dict,
        "a salesmodel entity class",
    )
    with pytest.raises(ValidationError) as info:
        redact({"name": "Ana"}, key=KEY16)  # type: ignore[type-var]
    assert (info.value.field, info.value.value, info.value.allowed) == (
        "entity",
        {"name": "Ana"},
        "a salesmodel entity",
    )


def test_an_entity_with_no_personal_value_set_is_returned_as_it_is():
    rep = Rep(id="R", name="Ana")
    assert redact(rep, key=KEY16).name == pseudonym("Ana", key=KEY16)
    lead = Lead(id="L", name="Ana", created_at=datetime(2026, 1, 1, tzinfo=UTC), source="web")
    assert redact(lead, key=KEY16).email is None
    bant = Bant()
    assert redact(bant, key=KEY16) is bant


@attrs.frozen
class _Plain:
    name: str = "Ana"


def test_an_attrs_class_that_is_no_entity_and_an_entity_base_that_is_no_attrs_class_are_refused():
    from salesmodel._checks import Record

    for cls in (_Plain, Record):
        with pytest.raises(ValidationError) as info:
            personal_fields(cls)
        assert info.value.field == "cls"
    for thing in (_Plain(), Record()):
        with pytest.raises(ValidationError) as info:
            redact(thing, key=KEY16)  # type: ignore[type-var]
        assert (info.value.field, info.value.value) == ("entity", thing)


def test_a_field_whose_metadata_does_not_say_personal_is_not_personal():
    from salesmodel import _rules as r
    from salesmodel._checks import RULE, Record, checked

    @checked()
    @attrs.frozen
    class Note(Record):
        text: str = attrs.field(metadata={RULE: r.TEXT})

    assert personal_fields(Note) == ()
    note = Note("hello")
    assert redact(note, key=KEY16) is note


def test_redacted_loss_reasons_keep_their_groups() -> None:
    """loss_reasons groups "Too expensive" with "too expensive ": so do their
    pseudonyms."""
    from salesmodel import DEFAULT_PIPELINE, Money, kpi

    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    deals = [
        DEFAULT_PIPELINE.lose(
            Deal(id=f"D-{i}", name="x", amount=Money(10, "EUR"), created_at=t0),
            reason,
            at=t0,
        )
        for i, reason in enumerate(["Too expensive", "too expensive ", "TOO EXPENSIVE", "price"])
    ]
    redacted = [redact(d, key=KEY) for d in deals]
    counts = sorted(row.lost for row in kpi.loss_reasons(redacted).rows)
    assert counts == sorted(row.lost for row in kpi.loss_reasons(deals).rows) == [1, 3]
