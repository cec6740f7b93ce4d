"""The console's notifications sent by hand (office staff): find an accepted filing by its
portal or office number, write the notification, and list those sent so far."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.office_notifications import NotificationForm
from payments.fees import office_today
from portal.auth.access import office_required
from portal.config import LOCALES, RTL_LOCALES
from portal.documents.checks import DocumentRejected
from portal.i18n import office_locale
from portal.office import manual_notifications as service
from portal.office import texts

PAGE_SIZE = 50


@office_required
def index():
    """The notifications sent by hand, newest first, and the search for a filing."""
    number = request.args.get("number", "").strip()[:60]
    found = service.find_filings(number) if number else []
    if len(found) == 1:
        return redirect(url_for("office.new_notification", filing=found[0].id))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = service.sent_by_hand(offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return render_template("office/notifications.html", number=number, found=found,
                           rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page)


@office_required
def new():
    """The form for one accepted filing (?filing=<id>); its POST sends the notification."""
    filing = service.accepted_filing(request.args.get("filing", 0, type=int)) or abort(404)
    form = NotificationForm(today=office_today())
    own = office_locale()
    if request.method == "GET":
        form.event_id.data = service.new_event_id()
        _prefill(form, request.args.get("template", type=int), own)
    elif form.validate_on_submit():
        if not service.EVENT_ID.match(form.event_id.data or ""):
            abort(400)
        upload = form.document.data if getattr(form.document.data, "filename", "") else None
        try:
            recorded = service.send_notification(
                filing, event_id=form.event_id.data, subject=form.subject.data,
                body=form.body.data, response_due=form.response_due.data, upload=upload,
                staff=current_user._get_current_object(),
                texts=form.texts(texts.NOTIFICATION_KEYS,
                                 only=tuple(c for c in LOCALES if c != own)),
                template=form.template.data or None)
        except DocumentRejected as exc:
            form.document.errors = [str(exc.message)]
        else:
            flash(_("The notification was sent to the filer of %(number)s.",
                    number=filing.portal_number) if recorded.created
                  else _("This notification had already been sent."), "success")
            return redirect(url_for("office.notifications"))
    status = 400 if form.errors or form.document.errors else 200
    return render_template("office/notification_new.html", filing=filing, form=form,
                           templates=texts.list_templates(active_only=True),
                           office_locale=own, rtl_locales=RTL_LOCALES), status


def _prefill(form: NotificationForm, template_id: int | None, own: str) -> None:
    """Start the form from a template (?template=<id>): the texts of every language and the
    response deadline."""
    if not template_id:
        return
    template = texts.get_template(template_id)
    if template is None or not template.active:
        flash(_("This template is not offered any more: write the notification, or choose "
                "another template."), "warning")
        return
    subject, body, others, due = texts.prefill(template, own, office_today())
    form.subject.data, form.body.data, form.response_due.data = subject, body, due
    form.fill(others, texts.NOTIFICATION_KEYS)
    form.template.data = template.code
