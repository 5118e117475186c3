"""The officials' training pages (/staff/trainings/): training types with their materials and check,
sessions (create, change, registrations, start the live room, completion, certificates).

Who: the officials of the giving office (its leads among them) and the authority's administrators
(``offices.access.offices_of``). A type or session of an office the official does not reach, or of
another authority, is a 404 (``get_*_for_staff``). Views parse input (bad input: 400 with the reason),
call one action and answer POST/redirect/GET with a message; an action's refusal is shown with 409.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.access import offices_of
from buergerbuero.trainings import checktext, completion, selectors
from buergerbuero.trainings.actions import catalogue as catalogue_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.models import Material, TrainingSession, TrainingType
from buergerbuero.trainings.pages import when
from buergerbuero.trainings.staff_forms import MaterialForm, SessionForm, TypeForm

# --- access ------------------------------------------------------------------------------------------


def get_type_for_staff(staff: Staff, type_id: int) -> TrainingType:
    found = (
        TrainingType.objects.select_related("office__authority")
        .filter(pk=type_id, office__in=offices_of(staff))
        .first()
    )
    if found is None:
        raise Http404(_("No such training."))
    return found


def get_session_for_staff(staff: Staff, session_id: int) -> TrainingSession:
    found = (
        TrainingSession.objects.select_related("training_type__office__authority", "room")
        .filter(pk=session_id, training_type__office__in=offices_of(staff))
        .first()
    )
    if found is None:
        raise Http404(_("No such session."))
    return found


def get_material_for_staff(staff: Staff, material_id: int) -> Material:
    found = (
        Material.objects.select_related("training_type")
        .filter(pk=material_id, training_type__office__in=offices_of(staff))
        .first()
    )
    if found is None:
        raise Http404(_("No such material."))
    return found


# --- helpers -----------------------------------------------------------------------------------------


def _context(staff: Staff, **extra: Any) -> dict[str, Any]:
    return {"staff": staff, "authority": staff.authority, **extra}


def _bad_input(request: HttpRequest, staff: Staff, form: Any, back: str, message: str = "") -> HttpResponse:
    message = message or next(iter(e for errors in form.errors.values() for e in errors), _("Invalid input."))
    return render(
        request, "trainings/staff/bad_input.html", _context(staff, message=message, back=back), status=400
    )


def _colleagues(staff: Staff, training_type: TrainingType) -> Any:
    return Staff.objects.filter(authority_id=staff.authority_id).order_by("display_name")


def session_url(session: TrainingSession) -> str:
    return reverse("staff_trainings:session", args=[session.pk])


# --- pages -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def index(request: HttpRequest, staff: Staff) -> HttpResponse:
    offices = offices_of(staff)
    types = list(TrainingType.objects.filter(office__in=offices).select_related("office").order_by("title"))
    now = timezone.now()
    sessions = list(
        TrainingSession.objects.filter(training_type__office__in=offices)
        .select_related("training_type__office", "room")
        .order_by("-starts_at")[:200]
    )
    rows = [
        {"session": s, "when": when(s), "taken": selectors.seats_taken(s), "past": s.ends_at < now}
        for s in sessions
    ]
    return render(request, "trainings/staff/index.html", _context(staff, types=types, rows=rows))


@require_http_methods(["GET", "POST"])
@staff_required
def type_new(request: HttpRequest, staff: Staff) -> HttpResponse:
    offices = offices_of(staff)
    form = TypeForm(request.POST or None, offices=offices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            office = data.pop("office")
            data.pop("questions")
            training_type = catalogue_actions.create_type(office, actor=staff, **data)
            if form.parsed:
                catalogue_actions.set_questions(training_type, form.parsed, actor=staff)
            messages.success(
                request, _("The training “%(title)s” is created.") % {"title": training_type.title}
            )
            return redirect("staff_trainings:type", training_type.pk)
        status = 400
    return render(request, "trainings/staff/type_form.html", _context(staff, form=form), status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def type_edit(request: HttpRequest, staff: Staff, type_id: int) -> HttpResponse:
    training_type = get_type_for_staff(staff, type_id)
    offices = offices_of(staff)
    status = 200
    if request.method == "POST":
        form = TypeForm(request.POST, instance=TrainingType.objects.get(pk=training_type.pk), offices=offices)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("questions")
            if data["office"] != training_type.office:
                # Moving a type to another office changes who sees its registrations: not from this page.
                form.add_error("office", _("The giving office cannot be changed."))
                status = 400
            else:
                data.pop("office")
                catalogue_actions.update_type(training_type, actor=staff, **data)
                catalogue_actions.set_questions(training_type, form.parsed, actor=staff)
                messages.success(request, _("The training is saved."))
                return redirect("staff_trainings:type", training_type.pk)
        else:
            status = 400
    else:
        form = TypeForm(
            instance=training_type,
            offices=offices,
            initial={"questions": checktext.questions_as_text(training_type)},
        )
    context = _context(
        staff,
        form=form,
        training_type=training_type,
        materials=list(training_type.materials.all()),
        material_form=MaterialForm(),
        sessions=list(training_type.sessions.select_related("room").order_by("-starts_at")[:50]),
    )
    return render(request, "trainings/staff/type_form.html", context, status=status)


@require_POST
@staff_required
def material_add(request: HttpRequest, staff: Staff, type_id: int) -> HttpResponse:
    training_type = get_type_for_staff(staff, type_id)
    back = reverse("staff_trainings:type", args=[training_type.pk])
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bad_input(request, staff, form, back)
    try:
        material = catalogue_actions.add_material(
            training_type, form.cleaned_data["file"], title=form.cleaned_data["title"], actor=staff
        )
    except ActionError as error:
        return _bad_input(request, staff, form, back, message=error.message)
    messages.success(request, _("“%(title)s” is added.") % {"title": material.title})
    return redirect(back)


@require_POST
@staff_required
def material_delete(request: HttpRequest, staff: Staff, material_id: int) -> HttpResponse:
    material = get_material_for_staff(staff, material_id)
    back = reverse("staff_trainings:type", args=[material.training_type_id])
    catalogue_actions.delete_material(material, actor=staff)
    messages.success(request, _("“%(title)s” is deleted.") % {"title": material.title})
    return redirect(back)


@require_http_methods(["GET", "POST"])
@staff_required
def session_new(request: HttpRequest, staff: Staff, type_id: int) -> HttpResponse:
    training_type = get_type_for_staff(staff, type_id)
    form = SessionForm(
        request.POST or None,
        office=training_type.office,
        staff=_colleagues(staff, training_type),
        initial={"presenters": [staff.pk], "capacity": 30},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if data["starts_at"] <= timezone.now():
                form.add_error("starts_at", _("Please choose a start in the future."))
                status = 400
            else:
                session = session_actions.create_session(
                    training_type,
                    starts_at=data["starts_at"],
                    capacity=data["capacity"],
                    presenters=data["presenters"],
                    actor=staff,
                )
                messages.success(request, _("The session is created."))
                return redirect(session_url(session))
        else:
            status = 400
    context = _context(staff, form=form, training_type=training_type)
    return render(request, "trainings/staff/session_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def session_edit(request: HttpRequest, staff: Staff, session_id: int) -> HttpResponse:
    session = get_session_for_staff(staff, session_id)
    training_type = session.training_type
    status = 200
    if request.method == "POST":
        form = SessionForm(request.POST, office=training_type.office, staff=_colleagues(staff, training_type))
        if form.is_valid():
            data = form.cleaned_data
            try:
                session_actions.update_session(
                    session,
                    starts_at=data["starts_at"],
                    capacity=data["capacity"],
                    presenters=data["presenters"],
                    actor=staff,
                )
            except ActionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(request, _("The session is saved."))
                return redirect(session_url(session))
        else:
            status = 400
    else:
        form = SessionForm(
            office=training_type.office,
            staff=_colleagues(staff, training_type),
            initial={
                "starts_at": timezone.localtime(session.starts_at, training_type.office.tz).replace(
                    tzinfo=None
                ),
                "capacity": session.capacity,
                "presenters": list(session.presenters.values_list("pk", flat=True)),
            },
        )
    context = _context(staff, form=form, training_type=training_type, session=session)
    return render(request, "trainings/staff/session_form.html", context, status=status)


@require_GET
@staff_required
def session_detail(request: HttpRequest, staff: Staff, session_id: int) -> HttpResponse:
    session = get_session_for_staff(staff, session_id)
    now = timezone.now()
    registrations = list(session.registrations.prefetch_related("pupils").order_by("created_at"))
    context = _context(
        staff,
        session=session,
        training_type=session.training_type,
        when=when(session),
        registrations=registrations,
        taken=selectors.seats_taken(session),
        presenters=list(session.presenters.all()),
        materials=list(session.training_type.materials.all()),
        over=completion.session_over(session, now),
        is_presenter=session.room.members.filter(user_id=staff.user_id).exists(),
        room_url=f"/staff/rooms/{session.room_id}/",
    )
    return render(request, "trainings/staff/session.html", context)


@require_POST
@staff_required
def session_start(request: HttpRequest, staff: Staff, session_id: int) -> HttpResponse:
    session = get_session_for_staff(staff, session_id)
    try:
        session_actions.start_session(session, actor=staff)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(session_url(session))
    return redirect(f"/staff/rooms/{session.room_id}/")


@require_POST
@staff_required
def session_completion(request: HttpRequest, staff: Staff, session_id: int) -> HttpResponse:
    session = get_session_for_staff(staff, session_id)
    try:
        done, total = session_actions.compute_completion(session, actor=staff)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(done)d of %(total)d participants completed the training.") % {"done": done, "total": total},
        )
    return redirect(session_url(session))


@require_POST
@staff_required
def session_certificates(request: HttpRequest, staff: Staff, session_id: int) -> HttpResponse:
    session = get_session_for_staff(staff, session_id)
    try:
        issued = session_actions.issue_certificates(session, actor=staff)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)d certificates issued.") % {"count": issued})
    return redirect(session_url(session))


@require_POST
@staff_required
def session_show_material(request: HttpRequest, staff: Staff, session_id: int) -> HttpResponse:
    session = get_session_for_staff(staff, session_id)
    try:
        material = Material.objects.get(
            pk=int(request.POST.get("material", "")), training_type=session.training_type
        )
    except (ValueError, Material.DoesNotExist):
        return _bad_input(request, staff, None, session_url(session), message=_("No such material."))
    url = reverse("trainings:material", args=[material.pk])
    try:
        session_actions.show_material(session, material, actor=staff, url=url)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(title)s” is shown in the room.") % {"title": material.title})
    return redirect(session_url(session))
