"""trainings.checktext: the comprehension check as staff write it."""

from __future__ import annotations

from buergerbuero.trainings import checktext


def test_questions_are_parsed_with_their_errors() -> None:
    questions, errors = checktext.parse_questions("- vorher\nFrage eins?\n* ja\nFrage zwei?\n- a\n- b\n")
    assert [q.text for q in questions] == ["Frage eins?", "Frage zwei?"]
    assert len(errors) == 3  # an answer before any question; one answer only; no right answer
