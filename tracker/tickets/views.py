"""Ticket pages: the list (role queues, filters), filing, the detail page and its actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from tracker.calendar.messages import fallback_message
from tracker.core.clock import local_date, utcnow
from tracker.core.config import get_settings
from tracker.core.db import get_session
from tracker.core.errors import Conflict, ServiceError
from tracker.evidence import service as evidence
from tracker.evidence.flags import FlagRules, flag_counts
from tracker.evidence.panel import build_panel
from tracker.inspections.models import Inspection
from tracker.inspections.service import visible_inspections
from tracker.org.directory import PersonRef, directory
from tracker.org.models import Unit
from tracker.policy import Permission, offers
from tracker.reminders.escalation import current_escalation
from tracker.reminders.policy import Policy
from tracker.reminders.views import open_ticket
from tracker.tickets import service
from tracker.tickets.filter_chips import active_chips
from tracker.tickets.forms import (
    MEASURE_UNITS,
    SORT_LABELS,
    SOURCE_LABELS,
    CommentForm,
    TicketForm,
    TransitionForm,
)
from tracker.tickets.home import my_work
from tracker.tickets.models import Category, Ticket, TicketEvent
from tracker.tickets.queries import (
    ScopedQuery,
    TicketFilter,
    count_cap,
    deepest_page,
    filter_from_request,
    paginate,
    scoped_query,
)
from tracker.tickets.related import load_related
from tracker.tickets.schemas import TicketCreate, TransitionIn, validate
from tracker.tickets.scope import get_visible_ticket, units_in_scope
from tracker.tickets.timeline import latest_events
from tracker.web.auth import permission_required
from tracker.web.form_errors import show_service_errors
from tracker.web.template_helpers import rag_label, state_label
from tracker.web.wiring import go_to
from tracker.workflow.definition import WorkflowDefinition
from tracker.workflow.registry import active_workflow

bp = Blueprint("tickets", __name__)


def _card_flags(tickets: list[Ticket]) -> dict[int, int]:
    """Flags to check on the cards of tickets awaiting verification, for a whole page at once
    (a fixed number of queries, however many cards)."""
    awaiting = [t for t in tickets if t.is_awaiting_verification]
    rules = FlagRules.of(active_workflow(), current_app.config)
    return flag_counts(get_session(), current_user, awaiting, rules)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    """我的待办: the user's queues; a role without any (admin) lands on the list."""
    views = my_work(get_session(), current_user, active_workflow(), utcnow(), current_app.config)
    if not views:
        return redirect(url_for("tickets.index"))
    tickets = [t for v in views for t in v.tickets]
    related = load_related(get_session(), tickets, details=False)
    return render_template(
        "tickets/home.html", views=views, related=related, card_flags=_card_flags(tickets)
    )


class RequestedList(NamedTuple):
    """The list a request asks for: its filter, whether that is a role queue, its query."""

    flt: TicketFilter
    is_queue: bool
    query: ScopedQuery


def requested_list(session: Session, workflow: WorkflowDefinition, now: datetime) -> RequestedList:
    """The list the query string asks for (a filter or a role queue), scoped to the user, as the
    list page and its export read it. An invalid filter is flashed and the user is sent to the
    whole list (the redirect raised through `abort`)."""
    config = current_app.config
    try:
        flt, is_queue = filter_from_request(request.args, current_user, workflow)
        query = scoped_query(
            session,
            current_user,
            flt,
            workflow,
            now,
            config["TIMEZONE"],
            config["AMBER_DAYS"],
            open_only=is_queue,
        )
    except ServiceError as error:
        flash(_("Invalid filter: %(detail)s", detail=", ".join(error.fields.values())), "danger")
        abort(redirect(url_for("tickets.index", queue="all")))
    return RequestedList(flt, is_queue, query)


# long: the list page's request parsing, query and rendering; the parts are already services
@bp.route("/tickets")
@login_required
def index() -> ResponseReturnValue:
    session = get_session()
    config = current_app.config
    workflow = active_workflow()
    per_page = min(
        max(1, request.args.get("per_page", config["PAGE_SIZE"], type=int)),
        config["MAX_PAGE_SIZE"],
    )
    flt, is_queue, query = requested_list(session, workflow, utcnow())
    page = paginate(
        session,
        query,
        flt.sort,
        # Bounded: a deep OFFSET walks every row before it; no page link goes past the count.
        min(request.args.get("page", 1, type=int) or 1, deepest_page(config, per_page)),
        per_page,
        count_cap=count_cap(flt, config["LIST_COUNT_CAP"], config["LIST_FILTERED_COUNT_CAP"]),
    )
    related = load_related(session, page.items, details=False)
    found = directory(session)
    categories = found.active_categories()
    can_bulk = offers(current_user, Permission.EDIT_FINDINGS)
    # Bulk reassignment may hand tickets to any unit; the filter offers the user's own scope.
    all_units = found.active_units() if can_bulk else None
    filter_units = units_in_scope(session, current_user)
    inspections = visible_inspections(session, current_user)
    chips = active_chips(
        flt,
        {
            "state": state_label,
            "rag": rag_label,
            "unit": {u.code: u.name for u in filter_units}.get,
            "category": {c.code: c.label(g.locale) for c in categories}.get,
            "inspection": {str(i.id): i.title for i in inspections}.get,
            "source": {k: str(v) for k, v in SOURCE_LABELS.items()}.get,
        },
    )
    return render_template(
        "tickets/list.html",
        chips=chips,
        page=page,
        related=related,
        card_flags=_card_flags(page.items),
        flt=flt,
        is_queue=is_queue,
        categories=categories,
        filter_units=filter_units,
        units=all_units or [],
        inspections=inspections,
        sources=SOURCE_LABELS,
        sorts=SORT_LABELS,
        can_bulk=can_bulk,
        workflow=workflow,
    )


def _fill_choices(form: TicketForm) -> None:
    session = get_session()
    units = session.exec(select(Unit).where(Unit.is_active).order_by(Unit.path)).all()
    unit_choices = [(u.code, f"{'　' * u.depth}{u.name}") for u in units]
    form.responsible_unit.choices = unit_choices
    form.location_unit.choices = [("", "—"), *unit_choices]
    form.co_units.choices = unit_choices
    categories = session.exec(
        select(Category).where(col(Category.is_active)).order_by(col(Category.position))
    ).all()
    form.category.choices = [("", "—")] + [(c.code, c.label(g.locale)) for c in categories]
    inspections = session.exec(select(Inspection).order_by(col(Inspection.started_on).desc())).all()
    form.inspection_id.choices = [("", "—")] + [(str(i.id), i.title) for i in inspections]


class FormRefused(Exception):
    """The form refused some fields; the model and the service found nothing more."""


def _finding_data(form: TicketForm) -> dict:
    """What the new-finding form asks TicketCreate to file."""
    return {
        "title": form.title.data,
        "description": form.description.data or "",
        "category": form.category.data or None,
        "source": form.source.data,
        "inspection_id": int(form.inspection_id.data) if form.inspection_id.data else None,
        "responsible_unit": form.responsible_unit.data,
        "location_unit": form.location_unit.data or None,
        "person_in_charge": form.person_in_charge.data or "",
        "requirement": form.requirement.data or "",
        "severity": form.severity.data,
        "deadline": form.deadline.data,
        "deadline_working_days": form.deadline_working_days.data,
        "tags": (form.tags.data or "").split(","),
        "co_units": form.co_units.data or [],
        "indicators": form.indicator_data(),
    }


def _with_stand_ins(data: dict, refused: Mapping[str, object]) -> dict:
    """`data` with each field the form refused replaced by the model's default, or by a
    stand-in a required text passes with (its refusal is already shown; show_service_errors
    keeps the form's message on such a field)."""
    fields = TicketCreate.model_fields

    def stand_in(name: str) -> object:
        field = fields[name]
        return "-" if field.is_required() else field.get_default(call_default_factory=True)

    return {name: stand_in(name) if name in refused else value for name, value in data.items()}


@bp.route("/tickets/new", methods=["GET", "POST"])
@permission_required(Permission.FILE_FINDINGS)
def new() -> ResponseReturnValue:
    form = TicketForm()
    _fill_choices(form)
    if request.method == "GET" and request.args.get("inspection"):
        form.inspection_id.data = request.args["inspection"]
    if form.is_submitted():
        accepted = form.validate()
        data = _finding_data(form)
        session = get_session()
        notes, now, workflow = service.FilingNotes(), utcnow(), active_workflow()
        config = current_app.config
        settings = service.Settings.of(get_settings())
        try:
            if not accepted:
                # Every refusal in one round: what the form accepted is checked by the model
                # and the service too (nothing written); the refused fields get stand-ins.
                probe = validate(TicketCreate, _with_stand_ins(data, form.errors))
                service.prepare_findings(session, current_user, [probe], workflow, now, settings)
                raise FormRefused()
            ticket = service.file_ticket(
                session,
                current_user,
                validate(TicketCreate, data),
                workflow,
                now,
                settings,
                notes=notes,
            )
            # Photos taken on the spot are filed with the finding, as before-photos.
            photos = request.files.getlist("photos")
            uploads = evidence.store_many(
                session, ticket, current_user, photos, "before", now, config, workflow
            )
            if uploads.added:
                evidence.record_uploads(session, ticket, current_user, uploads.added, now)
            session.commit()
        except FormRefused:
            session.rollback()
        except ServiceError as error:
            session.rollback()  # also deletes the photos staged by this request
            if "file" in error.fields:  # a refused photo: its reason goes next to the photo field
                form.photos.errors = [error.message]
            else:
                show_service_errors(form, error)
        else:
            flash(_("Finding %(code)s filed and handed to its unit.", code=ticket.code), "success")
            if notes.fallback_years:
                flash(fallback_message(notes.fallback_years), "warning")
            return go_to(url_for("tickets.detail", ticket_id=ticket.id))
    status = 422 if request.method == "POST" else 200
    return render_template("tickets/new.html", form=form, measure_units=MEASURE_UNITS), status


def _render_detail(
    ticket: Ticket,
    *,
    transition_form: TransitionForm | None = None,
    failed: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    workflow = active_workflow()
    related = load_related(session, [ticket])
    events, earlier = latest_events(session, ticket.id, current_app.config["HISTORY_PAGE_SIZE"])
    actions = service.transitions_for(
        session,
        current_user,
        ticket,
        workflow,
        local_date(utcnow(), current_app.config["TIMEZONE"]),
    )
    # Units the history names (a reassignment's two units) and, when the viewer may reassign,
    # the units to choose from: from the worker's directory.
    found = directory(session)
    unit_ids = {e.data[k] for e in events for k in ("unit_id", "to_unit_id") if e.data.get(k)}
    needs_units = any("unit" in t.requires for t in actions)
    config = current_app.config
    return (
        render_template(
            "tickets/detail.html",
            ticket=ticket,
            related=related,
            ev=build_panel(session, current_user, ticket, workflow, config),
            escalation=current_escalation(
                session, ticket, workflow, Policy.from_config(config), g.setdefault("now", utcnow())
            ),
            events=events,
            earlier=earlier,
            actors=_actors(session, events),
            actions=actions,
            transition_form=transition_form,
            failed=failed,
            comment_form=CommentForm(),
            workflow=workflow,
            event_units={i: found.units[i] for i in unit_ids if i in found.units},
            handover_units=[u for u in found.active_units() if u.id != ticket.responsible_unit_id]
            if needs_units
            else [],
        ),
        status,
    )


@bp.route("/tickets/<int:ticket_id>")
@login_required
def detail(ticket_id: int) -> ResponseReturnValue:
    return _render_detail(open_ticket(ticket_id))  # 404 if not visible; its notices read


@bp.route("/tickets/<int:ticket_id>/history")
@login_required
def history(ticket_id: int) -> ResponseReturnValue:
    """Earlier pages of a long history: the events before event id `before`."""
    session = get_session()
    ticket = get_visible_ticket(session, current_user, ticket_id)  # 404 if not visible
    config, workflow = current_app.config, active_workflow()
    before = request.args.get("before", type=int)
    events, earlier = latest_events(session, ticket.id, config["HISTORY_PAGE_SIZE"], before=before)
    return render_template(
        "tickets/history.html",
        ticket=ticket,
        ev=build_panel(session, current_user, ticket, workflow, config),
        events=events,
        earlier=earlier,
        actors=_actors(session, events),
        workflow=workflow,
    )


def _actors(session: Session, events: Sequence[TicketEvent]) -> dict[int, PersonRef]:
    """The people who wrote `events`, by id, from the worker's directory."""
    people = directory(session).people
    return {e.actor_id: people[e.actor_id] for e in events if e.actor_id in people}


def _indicators_from_form() -> list[dict]:
    rows = []
    for index in range(50):
        prefix = f"ind-{index}-"
        name = request.form.get(prefix + "name", "").strip()
        achieved = request.form.get(prefix + "achieved", "").strip()
        if not name and not achieved:
            continue
        rows.append(
            {
                "name": name,
                "unit": request.form.get(prefix + "unit", "").strip(),
                "achieved": achieved or None,
            }
        )
    return rows


@bp.post("/tickets/<int:ticket_id>/transition")
@login_required
def transition(ticket_id: int) -> ResponseReturnValue:
    session = get_session()
    ticket = get_visible_ticket(session, current_user, ticket_id)  # 404 if not visible
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete; please try again."), "danger")
        return _render_detail(ticket, transition_form=form, failed=form.transition.data, status=400)
    now = utcnow()
    try:
        # Files chosen in the form are stored first; their ids join those of earlier uploads
        # (a file the finding has already stands for the earlier attachment).
        uploads = evidence.store_many(
            session,
            ticket,
            current_user,
            request.files.getlist("files"),
            request.form.get("purpose", "after"),
            now,
            current_app.config,
            active_workflow(),
        )
        # The service checks that every id is a file of this ticket and links them to the event.
        attachment_ids = request.form.getlist("attachments", type=int) + uploads.ids
        data = validate(
            TransitionIn,
            {
                "transition": form.transition.data,
                "comment": form.comment.data or "",
                "deadline": form.deadline.data,
                "attachments": attachment_ids,
                "indicators": _indicators_from_form(),
                "supervision_level": request.form.get("supervision_level") or None,
                "supervisor": request.form.get("supervisor", ""),
                "unit": request.form.get("unit") or None,
            },
        )
        event = service.apply_transition(
            session,
            ticket,
            current_user,
            data,
            int(form.version.data) if form.version.data.isdigit() else -1,
            active_workflow(),
            now,
            service.Settings.of(get_settings()),
        )
        session.commit()
    except StaleDataError:
        session.rollback()  # also deletes the files staged by this request
        error: ServiceError = Conflict("changed meanwhile")
        return _failed(ticket_id, form, error)
    except ServiceError as error:
        session.rollback()
        return _failed(ticket_id, form, error)
    label = active_workflow().transition(event.transition)
    flash(
        _("Done: %(action)s.", action=label.label(g.locale) if label else event.transition),
        "success",
    )
    return go_to(url_for("tickets.detail", ticket_id=ticket_id))


def _failed(ticket_id: int, form: TransitionForm, error: ServiceError) -> ResponseReturnValue:
    ticket = get_visible_ticket(get_session(), current_user, ticket_id)
    if isinstance(error, Conflict):
        flash(
            _(
                "Someone changed this ticket while you were looking at it. "
                "The page now shows the current state; please check and try again."
            ),
            "warning",
        )
    else:
        show_service_errors(form, error)
        if error.fields:
            flash(_("Please complete the highlighted fields."), "danger")
    return _render_detail(
        ticket, transition_form=form, failed=form.transition.data, status=error.status
    )


@bp.post("/tickets/<int:ticket_id>/comments")
@login_required
def comment(ticket_id: int) -> ResponseReturnValue:
    session = get_session()
    ticket = get_visible_ticket(session, current_user, ticket_id)  # 404 if not visible
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("A comment cannot be empty."), "danger")
        return _render_detail(ticket, status=400)
    service.add_comment(session, ticket, current_user, form.comment.data, utcnow())
    session.commit()
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#history")
