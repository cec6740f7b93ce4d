"""The office console's deliveries: the outbox by state, each delivery's tries, and replay of
a rejected or dead one (portal.backoffice.connector.replay)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from forms.office import ReplayForm
from portal.auth.access import office_required
from portal.backoffice.connector import replay as replay_delivery
from portal.backoffice.models import OutboxMessage, OutboxState
from portal.extensions import db

PAGE_SIZE = 50
FILTERS = {
    "due": (_l("Due"), and_(OutboxMessage.state == OutboxState.DUE,
                            OutboxMessage.attempts == 0)),
    "retrying": (_l("Retrying"), and_(OutboxMessage.state == OutboxState.DUE,
                                      OutboxMessage.attempts > 0)),
    "delivered": (_l("Delivered"), OutboxMessage.state == OutboxState.DELIVERED),
    "rejected": (_l("Rejected"), OutboxMessage.state == OutboxState.REJECTED),
    "dead": (_l("Dead (every try failed)"), OutboxMessage.state == OutboxState.DEAD),
    "cancelled": (_l("Cancelled (withdrawn before delivery)"),
                  OutboxMessage.state == OutboxState.CANCELLED),
}
OUTCOMES = {"delivered": _l("Delivered"), "rejected": _l("Rejected"),
            "retry": _l("Failed, to be tried again"), "dead": _l("Failed, no more tries"),
            "superseded": _l("Overtaken by another worker"), None: _l("Cut short")}


def state_key(message: OutboxMessage) -> str:
    if message.state is OutboxState.DUE:
        return "retrying" if message.attempts else "due"
    return message.state.value


def counts() -> dict[str, int]:
    key = case(*[(condition, name) for name, (_label, condition) in FILTERS.items()])
    return dict(db.session.execute(select(key, func.count(OutboxMessage.id)).group_by(key)).all())


@office_required
def index():
    wanted = request.args.get("state", "")
    if wanted and wanted not in FILTERS:
        wanted = ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(OutboxMessage).options(selectinload(OutboxMessage.filing))
    if wanted:
        query = query.where(FILTERS[wanted][1])
    # What needs attention first: the oldest due, then the most recent of the others.
    query = query.order_by(OutboxMessage.next_attempt_at if wanted in ("due", "retrying")
                           else OutboxMessage.id.desc())
    rows = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("office/deliveries.html", rows=rows[:PAGE_SIZE],
                           more=len(rows) > PAGE_SIZE, page=page, wanted=wanted,
                           filters=FILTERS, counts=counts(), state_key=state_key,
                           replay_form=ReplayForm())


@office_required
def show(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("office/delivery.html", message=message, state_key=state_key,
                           filters=FILTERS, outcomes=OUTCOMES, replay_form=ReplayForm())


@office_required
def replay_many():
    """Send the chosen rejected or dead deliveries again (at most a page of them at once)."""
    form = ReplayForm()
    wanted = request.form.get("state", "")
    if not form.validate_on_submit():
        flash(_("The form had expired; try again."), "error")
        return redirect(url_for("office.deliveries", state=wanted or None))
    ids = [int(v) for v in request.form.getlist("message") if v.isdigit()][:PAGE_SIZE]
    staff = current_user._get_current_object()
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                  .order_by(OutboxMessage.id).with_for_update()).all()
    done = sum(1 for message in messages if replay_delivery(message, staff))
    db.session.commit()
    if done:
        flash(ngettext("%(num)d delivery will be tried again now.",
                       "%(num)d deliveries will be tried again now.", done), "success")
    else:
        flash(_("Choose rejected or dead deliveries to send again."), "error")
    return redirect(url_for("office.deliveries", state=wanted or None))


@office_required
def replay(message_id: int):
    form = ReplayForm()
    message = db.session.get(OutboxMessage, message_id, with_for_update=True) or abort(404)
    if not form.validate_on_submit():
        flash(_("The form had expired; try again."), "error")
    elif replay_delivery(message, current_user._get_current_object()):
        db.session.commit()
        flash(_("The delivery of %(number)s will be tried again now.",
                number=message.filing.portal_number), "success")
    else:
        flash(_("Only a rejected or dead delivery can be sent again."), "error")
    return redirect(url_for("office.delivery", message_id=message.id))
