"""Privacy: personal fields are marked, and redaction leaves none of them behind."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, StageChange, Target
from salesmodel import strategies as sst
from salesmodel.errors import ValidationError
from salesmodel.privacy import personal_fields, pseudonym, redact

KEY = b"0123456789abcdef-test-key"
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


def test_the_personal_fields_of_each_entity_are_marked():
    assert personal_fields(Lead) == ("name", "email")
    assert personal_fields(Prospect) == ("name",)
    assert personal_fields(Customer) == ("name",)
    assert personal_fields(Rep) == ("name",)
    assert personal_fields(Deal) == ()
    assert personal_fields(Activity) == ()


@pytest.mark.parametrize("cls", list(ENTITIES))
def test_no_personal_value_survives_redaction_and_everything_else_does(cls):
    @given(ENTITIES[cls])
    def check(entity):
        safe = redact(entity, key=KEY)
        assert type(safe) is cls
        personal = personal_fields(cls)
        for field in attrs.fields(cls):
            before, after = getattr(entity, field.name), getattr(safe, field.name)
            if field.name in personal and before is not None:
                assert after != before
                assert after.startswith("p-")
            else:
                assert after == before

    check()


@given(st.text(min_size=1))
def test_pseudonyms_are_stable_under_a_key_and_differ_between_keys(value):
    assert pseudonym(value, key=KEY) == pseudonym(value, key=KEY)
    assert pseudonym(value, key=KEY) != pseudonym(value, key=b"another key of 16 bytes")


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


KEY16 = b"0123456789abcdef"


def test_a_key_of_exactly_16_bytes_is_enough_and_15_is_refused_by_its_length():
    assert pseudonym("Ana", key=KEY16).startswith("p-")
    with pytest.raises(ValidationError) as info:
        pseudonym("Ana", key=KEY16[:15])
    assert (info.value.field, info.value.value, info.value.allowed) == (
        "key",
        "15 bytes",
        "a secret of at least 16 bytes",
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
