"""The admin lists and forms of trainings open (registrations read-only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.trainings.helpers import make_session, make_type, pupils, register, register_class

pytestmark = pytest.mark.django_db


def test_admin_pages(world) -> None:
    session = make_session(make_type(world.office_a, world.official_a, check=True), world.official_a)
    registration = register(session).registration
    register_class(session, pupils(("Kai", dt.date(2011, 1, 1))))
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    for model in ("trainingtype", "question", "material", "trainingsession", "registration"):
        assert client.get(reverse(f"admin:trainings_{model}_changelist")).status_code == 200, model
    assert (
        client.get(
            reverse("admin:trainings_trainingtype_change", args=[session.training_type_id])
        ).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:trainings_registration_change", args=[registration.pk])).status_code == 200
    )
    assert client.get(reverse("admin:trainings_registration_add")).status_code == 403
