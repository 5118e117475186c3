"""Shared personas (../shared/STYLE.md): a citizen, an official of office A, an official of office B
(the outsider for A), an authority administrator, and an administrator of another authority.

Times: office A has opening hours every day 00:00–23:59 so tests never depend on the clock; tests that
need real opening hours make their own office.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from buergerbuero.authorities.models import Authority, Role, Staff
from buergerbuero.offices.models import Assignment, OpeningInterval, Office

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    authority: Authority
    other_authority: Authority
    office_a: Office
    office_b: Office
    other_office: Office
    official_a: Staff
    official_a2: Staff
    official_b: Staff
    admin: Staff
    other_admin: Staff


def make_staff(authority: Authority, username: str, name: str, role: str = Role.OFFICIAL) -> Staff:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    return Staff.objects.create(user=user, authority=authority, display_name=name, role=role)


def make_office(authority: Authority, slug: str, name: str, *officials: Staff, lead: Staff | None = None) -> Office:
    office = Office.objects.create(authority=authority, slug=slug, name=name, max_queue_length=0)
    for weekday in range(7):
        OpeningInterval.objects.create(office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 59))
    for staff in officials:
        Assignment.objects.create(office=office, staff=staff, is_lead=staff == lead)
    return office


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    authority = Authority.objects.create(name="Landratsamt Testkreis", slug="testkreis", holiday_state="BY")
    other = Authority.objects.create(name="Stadt Anderswo", slug="anderswo", holiday_state="NW")
    official_a = make_staff(authority, "anna", "Anna Amsel")
    official_a2 = make_staff(authority, "alex", "Alex Adler")
    official_b = make_staff(authority, "bernd", "Bernd Bussard")
    admin = make_staff(authority, "admin", "Ada Admin", Role.AUTHORITY_ADMIN)
    other_admin = make_staff(other, "otto", "Otto Other", Role.AUTHORITY_ADMIN)
    office_a = make_office(authority, "energie", "Energieberatung", official_a, official_a2, lead=official_a)
    office_b = make_office(authority, "garten", "Gartenkultur", official_b, lead=official_b)
    other_office = make_office(other, "buergeramt", "Bürgeramt", other_admin)
    return World(authority, other, office_a, office_b, other_office, official_a, official_a2, official_b, admin, other_admin)


def login(client: Client, staff: Staff) -> Client:
    assert client.login(username=staff.user.username, password=PASSWORD)
    return client


@pytest.fixture
def citizen_client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:  # noqa: ANN001
    # Argon2 is the production hasher; in tests its cost only slows logins down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
