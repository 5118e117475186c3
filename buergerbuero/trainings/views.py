"""The public training pages: an authority's upcoming sessions, the registration of an individual and of
a class, the page after registering; the pages behind the secret links (an individual's registration
page with the comprehension check and the certificate, the teacher's class page with the roster and the
class's certificates); and the materials, served to members of the training's rooms and its staff only.

Every view fetches its objects (another authority's session is a 404; a wrong token shows the
invalid-link page), calls at most one action and renders or redirects. Token pages are ``private``
(no cache, no Referer).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.certificates.models import Certificate
from buergerbuero.core import bookinglimit as ratelimit
from buergerbuero.core import pow, sealing
from buergerbuero.core.errors import ActionError
from buergerbuero.core.forms import error_list
from buergerbuero.core.http import private
from buergerbuero.core.ratelimit import REGISTRATIONS_REFUSED, client_address
from buergerbuero.offices.access import offices_of
from buergerbuero.rooms.models import RoomState
from buergerbuero.rooms.tokens import session_hashes as room_link_hashes
from buergerbuero.trainings import completion, csvimport, mails, selectors
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.forms import CheckForm, ClassForm, IndividualForm
from buergerbuero.trainings.models import Material, Registration, TrainingSession
from buergerbuero.trainings.pages import when
from buergerbuero.trainings.tokens import registration_token

SESSION_REGISTERED = "bb_training_registered"
REGISTERED_PAGE_LIFETIME = dt.timedelta(hours=1)


# --- helpers -----------------------------------------------------------------------------------------


def _session(authority_slug: str, session_id: int) -> TrainingSession:
    authority = get_object_or_404(Authority, slug=authority_slug)
    return get_object_or_404(
        TrainingSession.objects.select_related("training_type__office__authority", "room"),
        pk=session_id,
        training_type__authority=authority,
    )


def _session_context(session: TrainingSession, now: dt.datetime) -> dict[str, Any]:
    return {
        "session": session,
        "training": session.training_type,
        "office": session.training_type.office,
        "authority": session.training_type.authority,
        "when": when(session),
        "free": selectors.free_places(session),
        "open": selectors.open_for_registration(session, now),
        "list_url": reverse("trainings:list", args=[session.training_type.authority.slug]),
        "retention_days": settings.RETENTION_DAYS,
    }


def _closed(request: HttpRequest, session: TrainingSession, now: dt.datetime) -> HttpResponse | None:
    if selectors.open_for_registration(session, now) and selectors.free_places(session) > 0:
        return None
    if selectors.open_for_registration(session, now):
        messages.error(request, _("This session is fully booked. Please choose another date."))
    else:
        messages.error(request, _("Registration for this session has closed."))
    return redirect("trainings:list", session.training_type.authority.slug)


def _remember(request: HttpRequest, registered: registration_actions.Registered) -> None:
    """For the page after registering (an hour, this browser only): the links are shown there once.
    The session keeps no secret: the registration page's link comes again from the registration's salt,
    and the room's join link (made once, stored nowhere else) is kept sealed with AES-GCM under a key the
    session store does not hold (core.sealing), bound to this registration."""
    registration = registered.registration
    request.session[SESSION_REGISTERED] = {
        "id": registration.pk,
        "join_sealed": sealing.seal(registered.join_token, _join_purpose(registration.pk)),
        "at": timezone.now().isoformat(),
    }


def _join_purpose(registration_id: int) -> str:
    return f"training-registered:{registration_id}"


# --- list and registration ---------------------------------------------------------------------------


@require_safe
def session_list(request: HttpRequest, authority_slug: str) -> HttpResponse:
    authority = get_object_or_404(Authority, slug=authority_slug)
    now = timezone.now()
    sessions = (
        TrainingSession.objects.select_related("training_type__office", "room")
        .filter(training_type__authority=authority, starts_at__gt=now, room__state=RoomState.SCHEDULED)
        .order_by("starts_at")
    )
    entries = [
        {"session": s, "when": when(s), "free": selectors.free_places(s), "training": s.training_type}
        for s in sessions[:200]
    ]
    return render(request, "trainings/list.html", {"authority": authority, "entries": entries})


@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest, authority_slug: str, session_id: int) -> HttpResponse:
    session = _session(authority_slug, session_id)
    now = timezone.now()
    closed = _closed(request, session, now)
    if closed:
        return closed
    today = timezone.localdate(now, session.office.tz)
    form = IndividualForm(request.POST or None, today=today)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            limited = REGISTRATIONS_REFUSED.check(ratelimit.BOOKINGS, client_address(request), data["email"])
            if limited:
                form.add_error(None, limited)
                status = 429
            else:
                try:
                    registered = registration_actions.register_individual(
                        session,
                        name=data["name"],
                        birth_date=data["birth_date"],
                        email=data["email"],
                        guardian_consent=data["guardian_consent"],
                        language=request.LANGUAGE_CODE,
                        now=now,
                    )
                except ActionError as exc:
                    ratelimit.give_back(client_address(request), data["email"])
                    form.add_error(
                        "guardian_consent" if exc.code == "guardian_consent" else None, exc.message
                    )
                    status = 409
                else:
                    _remember(request, registered)
                    return redirect("trainings:registered", authority_slug)
    context = _session_context(session, now) | {
        "form": form,
        "errors": error_list(form) if form.is_bound else [],
        "pow_config": pow.page_config(),
    }
    return render(request, "trainings/register.html", context, status=status)


@csrf_exempt  # only so that the upload handler can be set before the body is read; checked below
def register_class(request: HttpRequest, authority_slug: str, session_id: int) -> HttpResponse:
    """The uploaded class list is capped while the request is read (csvimport.CappedUploadHandler): a
    file far over the limit is neither held in memory nor written to disk. The CSRF middleware would read
    the body first, so the check runs after the handler is set (csrf_protect)."""
    request.upload_handlers = [csvimport.CappedUploadHandler(request)]
    return _register_class(request, authority_slug, session_id)


@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def _register_class(request: HttpRequest, authority_slug: str, session_id: int) -> HttpResponse:
    """Step 1 reads the list and shows it (with a consent box per minor when asked); step 2 (``confirm``)
    registers. "Change the list" (``edit``) goes back to step 1 with everything kept."""
    session = _session(authority_slug, session_id)
    now = timezone.now()
    closed = _closed(request, session, now)
    if closed:
        return closed
    today = timezone.localdate(now, session.office.tz)
    confirm = request.method == "POST" and "confirm" in request.POST
    form = ClassForm(
        request.POST or None,
        request.FILES or None,
        today=today,
        session_day=selectors.local_date(session),
        confirm=confirm,
    )
    status = 200
    step = 1
    if request.method == "POST":
        status = 400
        valid = form.is_valid()
        if valid and "edit" not in request.POST:
            pupils = form.pupil_list.pupils if form.pupil_list else []
            if not confirm:
                step, status = 2, 200
            else:
                data = form.cleaned_data
                limited = REGISTRATIONS_REFUSED.check(
                    ratelimit.BOOKINGS, client_address(request), data["email"]
                )
                if limited:
                    form.add_error(None, limited)
                    step, status = 2, 429
                else:
                    try:
                        registered = registration_actions.register_class(
                            session,
                            teacher_name=" ".join(data["teacher_name"].split()),
                            email=data["email"],
                            school=data["school"].strip(),
                            class_name=data["class_name"].strip(),
                            pupils=pupils,
                            teacher_declaration=data["consent_mode"] == "declaration",
                            consents=form.consents(),
                            language=request.LANGUAGE_CODE,
                            now=now,
                        )
                    except ActionError as exc:
                        ratelimit.give_back(client_address(request), data["email"])
                        form.add_error(None, exc.message)
                        step, status = 2, 409
                    else:
                        _remember(request, registered)
                        return redirect("trainings:registered", authority_slug)
        elif "edit" in request.POST:
            status = 200
    list_text = form.list_text if form.is_bound else ""
    if step == 2 and form.pupil_list:
        # The second step sends the list back as this text: its line numbers name the consent boxes.
        list_text = csvimport.normalised(form.pupil_list.pupils)
        form.pupil_list = csvimport.parse(list_text, today)
    minors = {p.line for p in form.minors}
    context = _session_context(session, now) | {
        "form": form,
        "step": step,
        "errors": error_list(form) if form.is_bound and form.errors and "edit" not in request.POST else [],
        "row_errors": form.pupil_list.errors if form.pupil_list else [],
        "pupils": [
            {"row": p, "minor": p.line in minors, "consent": bool(form.data.get(f"consent_{p.line}"))}
            for p in (form.pupil_list.pupils if form.pupil_list else [])
        ],
        "list_text": list_text,
        "per_pupil": form.data.get("consent_mode") == "per_pupil",
        "pow_config": pow.page_config(),
    }
    return render(request, "trainings/register_class.html", context, status=status)


@private
@require_safe
def registered(request: HttpRequest, authority_slug: str) -> HttpResponse:
    """After registering (POST/redirect/GET): the links, shown for an hour in this browser only."""
    authority = get_object_or_404(Authority, slug=authority_slug)
    stored = request.session.get(SESSION_REGISTERED)
    registration = None
    if isinstance(stored, dict) and isinstance(stored.get("id"), int):
        registration = (
            Registration.objects.select_related("session__training_type__office", "session__room")
            .filter(pk=stored["id"], session__training_type__authority=authority)
            .first()
        )
    now = timezone.now()
    # A session written before the join link was sealed holds the secrets themselves ("join", "token"):
    # it shows nothing more and is emptied.
    sealed = stored.get("join_sealed") if isinstance(stored, dict) else None
    join = (
        sealing.unseal(sealed, _join_purpose(registration.pk))
        if registration and isinstance(sealed, str)
        else ""
    )
    if (
        not isinstance(stored, dict)
        or registration is None
        or not join
        or registration.created_at < now - REGISTERED_PAGE_LIFETIME
    ):
        request.session.pop(SESSION_REGISTERED, None)
        messages.info(request, _("There is no registration to show. Please choose a session."))
        return redirect("trainings:list", authority_slug)
    context = _session_context(registration.session, now) | {
        "registration": registration,
        "pupils": list(registration.pupils.all()),
        "join_url": mails.join_url(join),
        "page_url": mails.registration_url(registration, registration_token(registration.token_salt)),
    }
    return render(request, "trainings/registered.html", context)


# --- the secret links --------------------------------------------------------------------------------


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "trainings/invalid_link.html", status=404)


def _registration_context(registration: Registration, now: dt.datetime) -> dict[str, Any]:
    session = registration.session
    return _session_context(session, now) | {
        "registration": registration,
        "over": completion.session_over(session, now),
        "check_open": selectors.check_open(session, now),
        "has_check": session.training_type.has_check,
    }


@private
@require_http_methods(["GET", "HEAD", "POST"])
def registration_page(request: HttpRequest, token: str) -> HttpResponse:
    registration = selectors.registration_by_token(token)
    if registration is None or registration.is_class or not registration.name:
        return _invalid(request)
    now = timezone.now()
    questions = list(registration.session.training_type.questions.prefetch_related("choices"))
    form = CheckForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                score = registration_actions.take_check(registration, form.answers(), now)
            except ActionError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(
                    request, _("Your answers are recorded: %(score)d %% right.") % {"score": score}
                )
                return redirect("trainings:registration", token)
    context = _registration_context(registration, now) | {
        "form": form,
        "errors": error_list(form) if form.is_bound else [],
        "token": token,
    }
    return render(request, "trainings/registration.html", context, status=status)


def _pdf(certificate_ids: list[int], filename: str) -> HttpResponse:
    # Imported here, not to dodge a cycle: the PDF library is loaded only by a process that makes a PDF.
    from buergerbuero.certificates import pdf

    by_id = Certificate.objects.in_bulk(certificate_ids)
    certificates = [by_id[pk] for pk in certificate_ids if pk in by_id]
    if not certificates:
        raise Http404(_("There is no certificate yet."))
    response = HttpResponse(pdf.render(certificates), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@private
@require_safe
def registration_certificate(request: HttpRequest, token: str) -> HttpResponse:
    registration = selectors.registration_by_token(token)
    if registration is None or registration.is_class or registration.certificate_id is None:
        return _invalid(request)
    return _pdf([registration.certificate_id], _("certificate") + ".pdf")


@private
@require_http_methods(["GET", "HEAD", "POST"])
def class_page(request: HttpRequest, token: str) -> HttpResponse:
    """The teacher's page: during the session the roster check-in (who sits in front of the screen),
    after it the comprehension check per pupil, and the class's certificates."""
    registration = selectors.registration_by_token(token)
    if registration is None or not registration.is_class or not registration.name:
        return _invalid(request)
    now = timezone.now()
    pupils = list(registration.pupils.all())
    status = 200
    if request.method == "POST":
        chosen = request.POST.getlist("pupil")
        try:
            ids = {int(value) for value in chosen}
        except ValueError:
            return render(request, "trainings/invalid_link.html", status=400)
        what = request.POST.get("what")
        try:
            if what == "check_in":
                count = registration_actions.check_in(registration, ids, now)
                messages.success(
                    request,
                    _("Saved: %(count)d of %(total)d pupils are there.")
                    % {"count": count, "total": len(pupils)},
                )
            elif what == "check":
                registration_actions.record_class_check(registration, ids, now)
                messages.success(request, _("The results of the comprehension check are saved."))
            else:
                return render(request, "trainings/invalid_link.html", status=400)
        except ActionError as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            return redirect("trainings:class", token)
    context = _registration_context(registration, now) | {
        "pupils": pupils,
        "roster_open": selectors.roster_open(registration.session, now),
        "certificates": sum(1 for p in pupils if p.certificate_id),
        "token": token,
        "questions": list(registration.session.training_type.questions.prefetch_related("choices")),
    }
    return render(request, "trainings/class.html", context, status=status)


@private
@require_safe
def class_certificates(request: HttpRequest, token: str) -> HttpResponse:
    registration = selectors.registration_by_token(token)
    if registration is None or not registration.is_class:
        return _invalid(request)
    ids = [p.certificate_id for p in registration.pupils.all() if p.certificate_id]
    if not ids:
        return _invalid(request)
    return _pdf(ids, _("certificates") + ".pdf")


# --- materials ---------------------------------------------------------------------------------------


def staff_of(request: HttpRequest) -> Staff | None:
    if not request.user.is_authenticated:
        return None
    return Staff.objects.filter(user_id=request.user.pk).first()


def may_see_material(request: HttpRequest, material: Material) -> bool:
    """Staff who reach the giving office, and the members (not removed) of this type's sessions' rooms."""
    staff = staff_of(request)
    if staff is not None:
        return offices_of(staff).filter(pk=material.training_type.office_id).exists()
    hashes = list(room_link_hashes(request.session).values())[:50]
    if not hashes:
        return False
    return TrainingSession.objects.filter(
        training_type_id=material.training_type_id,
        room__members__token_hash__in=hashes,
        room__members__removed_at__isnull=True,
    ).exists()


@require_safe
def material(request: HttpRequest, material_id: int) -> HttpResponseBase:
    found = Material.objects.select_related("training_type").filter(pk=material_id).first()
    if found is None or not may_see_material(request, found):
        raise Http404(_("No such material."))
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
