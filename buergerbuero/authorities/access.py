"""Who is an official: the ``Staff`` record of a user, and the decorator every staff page starts with.

A bare Django superuser is no official: the staff pages are for users with a place in an authority.
Which offices an official reaches is ``offices.access``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff

StaffView = Callable[..., HttpResponse]


def get_staff_for_user(user: AbstractBaseUser | AnonymousUser) -> Staff:
    """The workspace is for users with a ``Staff`` record only (a bare Django superuser is not staff)."""
    staff = None
    if user.is_authenticated:
        staff = Staff.objects.select_related("authority", "user").filter(user_id=user.pk).first()
    if staff is None:
        raise PermissionDenied(_("Your account has no place in an authority."))
    return staff


def staff_required(view: StaffView) -> Callable[..., HttpResponse]:
    """Logged in and with a ``Staff`` record (else 403); the view receives the staff as 2nd argument."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        staff = get_staff_for_user(request.user)
        return view(request, staff, *args, **kwargs)

    return wrapper


def admin_required(view: StaffView) -> Callable[..., HttpResponse]:
    """``staff_required``, and the official administers their authority (else 403)."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, staff: Staff, *args: Any, **kwargs: Any) -> HttpResponse:
        if not staff.is_authority_admin:
            raise PermissionDenied(_("Only an administrator of your authority may open this page."))
        return view(request, staff, *args, **kwargs)

    return wrapper


def get_person_for_admin(admin: Staff, staff_id: int) -> Staff:
    """An official of the administrator's own authority; anyone else's is a 404, as if not there."""
    return get_object_or_404(
        Staff.objects.select_related("user", "authority"), pk=staff_id, authority_id=admin.authority_id
    )
