"""The booking form (appointments/forms.py): required fields, limits, consent and the proof of work."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from buergerbuero.appointments.forms import BookingForm
from buergerbuero.core import pow
from buergerbuero.core.forms import POW_ERRORS

VALID = {"name": "Erika Muster", "email": "erika@example.org", "phone": "", "concern": "", "consent": "on"}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()
    yield
    cache.clear()


def solution() -> str:
    return pow.solve(pow.create_challenge(maximum=500))


def form(**data: str) -> BookingForm:
    return BookingForm({**VALID, "pow": solution(), **data})


def test_a_valid_form_uses_its_proof_of_work_up() -> None:
    payload = solution()
    first = BookingForm({**VALID, "pow": payload})
    assert first.is_valid(), first.errors
    assert first.cleaned_data["email"] == "erika@example.org"
    second = BookingForm({**VALID, "pow": payload})
    assert not second.is_valid()
    assert second.errors["pow"] == [str(POW_ERRORS["replayed"])]


def test_phone_and_concern_are_optional_and_trimmed() -> None:
    filled = form(phone="  0851 / 123-456 ", concern=" Heizung ")
    assert filled.is_valid(), filled.errors
    assert filled.cleaned_data["phone"] == "0851 / 123-456"
    assert filled.cleaned_data["concern"] == "Heizung"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 101),
        ("email", ""),
        ("email", "erika"),
        ("email", "erika@@example.org"),
        ("phone", "0851 abc"),
        ("phone", "<script>"),
        ("concern", "x" * 501),
        ("consent", ""),
    ],
)
def test_bad_fields(field, value) -> None:
    bad = form(**{field: value})
    assert not bad.is_valid()
    assert list(bad.errors) == [field]


def test_too_long_texts_say_how_long_they_may_be() -> None:
    bad = form(concern="x" * 501)
    bad.is_valid()
    assert "500" in bad.errors["concern"][0]
    assert "501" in bad.errors["concern"][0]


def test_an_unused_proof_of_work_stays_valid_while_other_fields_are_wrong() -> None:
    payload = solution()
    assert not BookingForm({**VALID, "consent": "", "pow": payload}).is_valid()
    assert BookingForm({**VALID, "pow": payload}).is_valid()


def test_missing_proof_of_work_is_reported_even_with_other_errors() -> None:
    bad = BookingForm({**VALID, "consent": ""})
    assert not bad.is_valid()
    assert set(bad.errors) == {"consent", "pow"}
    assert "JavaScript" in bad.errors["pow"][0]


def test_a_wrong_proof_of_work_is_reported_only_when_the_rest_is_right() -> None:
    wrong = "eyJ9"  # not a solution
    assert set(BookingForm({**VALID, "consent": "", "pow": wrong}).errors) == {"consent"}
    alone = BookingForm({**VALID, "pow": wrong})
    assert alone.errors["pow"] == [str(POW_ERRORS["invalid"])]
