"""The score of an individual's comprehension check."""

from __future__ import annotations

from buergerbuero.trainings.models import TrainingType


def score(training_type: TrainingType, answers: dict[int, set[int]]) -> int:
    """Percent of questions answered exactly right (all right choices and no wrong one)."""
    questions = list(training_type.questions.prefetch_related("choices"))
    if not questions:
        return 100
    right = 0
    for question in questions:
        correct = {c.pk for c in question.choices.all() if c.correct}
        if answers.get(question.pk, set()) == correct:
            right += 1
    return right * 100 // len(questions)
