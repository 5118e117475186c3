"""The comprehension check as staff write it (a question per line, its answers below it) and back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from buergerbuero.trainings.models import TrainingType


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    choices: list[tuple[str, bool]]


def parse_questions(text: str) -> tuple[list[ParsedQuestion], list[str]]:
    """The comprehension check as staff write it: a question on a line of its own, its answers below it,
    each starting with ``-`` (wrong) or ``*`` (right)::

        Who may work in the kitchen with diarrhoea?
        - everyone who feels well
        * nobody

    Returns the questions and a list of errors (with line numbers)."""
    questions: list[ParsedQuestion] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        marker = re.match(r"^([-*])\s*(.*)$", line)
        if marker:
            if not questions:
                errors.append(_("Line %(line)d: an answer before the first question.") % {"line": number})
                continue
            answer = marker.group(2).strip()[:300]
            if not answer:
                errors.append(_("Line %(line)d: the answer is empty.") % {"line": number})
                continue
            questions[-1].choices.append((answer, marker.group(1) == "*"))
        else:
            questions.append(ParsedQuestion(line[:500], []))
    for question in questions:
        if len(question.choices) < 2:
            errors.append(_("“%(question)s” needs at least two answers.") % {"question": question.text[:60]})
        elif not any(correct for _text, correct in question.choices):
            errors.append(
                _("“%(question)s” has no right answer (mark it with *).") % {"question": question.text[:60]}
            )
    return questions, errors


def questions_as_text(training_type: TrainingType) -> str:
    lines: list[str] = []
    for question in training_type.questions.prefetch_related("choices"):
        if lines:
            lines.append("")
        lines.append(question.text)
        lines.extend(f"{'*' if c.correct else '-'} {c.text}" for c in question.choices.all())
    return "\n".join(lines)
