"""Identifiers: random, typed forgivingly, and every single typo or swap of neighbours is caught."""

from __future__ import annotations

from buergerbuero.certificates import identifiers
from buergerbuero.certificates.identifiers import ALPHABET, LENGTH


def test_a_new_identifier_is_well_formed_and_random() -> None:
    made = {identifiers.new() for _ in range(1000)}
    assert len(made) == 1000
    for identifier in made:
        assert len(identifier) == LENGTH
        assert set(identifier) <= set(ALPHABET)
        assert identifiers.normalise(identifier) == identifier
    # 18 random characters of 32: 90 bits, at least the 80 the plan asks for.
    assert (identifiers.DATA_LENGTH * 5) >= 80


def test_display_groups_of_four_and_typed_input_is_read_forgivingly() -> None:
    identifier = identifiers.new()
    shown = identifiers.display(identifier)
    assert shown.count("-") == 4 and all(len(part) == 4 for part in shown.split("-"))
    assert identifiers.normalise(shown) == identifier
    assert identifiers.normalise(" " + shown.lower().replace("-", " ") + " ") == identifier
    confusable = identifier.replace("0", "O").replace("1", "l")
    assert identifiers.normalise(confusable) == identifier


def test_every_single_changed_character_is_caught() -> None:
    for _ in range(50):
        identifier = identifiers.new()
        for position in range(LENGTH):
            for char in ALPHABET:
                if char != identifier[position]:
                    typo = identifier[:position] + char + identifier[position + 1 :]
                    assert identifiers.normalise(typo) is None, (identifier, typo)


def test_every_swap_of_two_different_neighbours_is_caught() -> None:
    for _ in range(200):
        identifier = identifiers.new()
        for position in range(LENGTH - 1):
            a, b = identifier[position], identifier[position + 1]
            if a != b:
                swapped = identifier[:position] + b + a + identifier[position + 2 :]
                assert identifiers.normalise(swapped) is None, (identifier, swapped)


def test_what_cannot_be_an_identifier_is_refused() -> None:
    identifier = identifiers.new()
    assert identifiers.normalise("") is None
    assert identifiers.normalise(identifier[:-1]) is None  # too short
    assert identifiers.normalise(identifier + "0") is None  # too long
    assert identifiers.normalise(identifier[:5] + "U" + identifier[6:]) is None  # not in the alphabet
    assert identifiers.normalise(identifier[:5] + "Ä" + identifier[6:]) is None
    assert identifiers.normalise("-" * 10_000) is None
    assert identifiers.normalise("../../etc/passwd") is None
