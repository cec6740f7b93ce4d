"""The console's pages for texts the office writes in each language: its name and address
(administrators), and its notification templates (staff read them and use them when sending;
administrators make, change and deactivate them)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.base import PortalForm
from forms.office_texts import NotificationTemplateForm, OfficeTextsForm
from portal.auth.access import admin_required, office_required
from portal.config import RTL_LOCALES
from portal.i18n import office_locale
from portal.office import texts as service
from portal.office.models import current_office


def _user():
    return current_user._get_current_object()


def _languages() -> dict:
    # Each language's fields are marked with their language and direction (lang, dir).
    return {"rtl_locales": RTL_LOCALES, "office_locale": office_locale()}


@admin_required
def office_texts():
    office = current_office() or abort(404)
    form = OfficeTextsForm()
    if form.validate_on_submit():
        changed = service.save_office_texts(office, form.texts(service.OFFICE_KEYS),
                                            user=_user())
        flash(_("The office's name and address were saved.") if changed
              else _("Nothing was changed."), "success")
        return redirect(url_for("office.office_texts"))
    if not form.is_submitted():
        form.fill(office.texts, service.OFFICE_KEYS)
    return render_template("office/office_texts.html", form=form, office=office,
                           **_languages()), 400 if form.errors else 200


@office_required
def notification_templates():
    return render_template("office/notification_templates.html",
                           templates=service.list_templates(), form=PortalForm(),
                           **_languages())


@admin_required
def new_notification_template():
    form = NotificationTemplateForm(office_locale=office_locale())
    if form.validate_on_submit():
        try:
            template = service.create_template(
                code=form.code.data, title=form.title.data,
                texts=form.texts(service.NOTIFICATION_KEYS),
                response_days=form.response_days.data, user=_user())
        except service.CodeTaken:
            form.code.errors = [*form.code.errors, _("Another template has this code.")]
        else:
            flash(_("The template %(title)s was saved.", title=template.title), "success")
            return redirect(url_for("office.notification_templates"))
    return render_template("office/notification_template.html", form=form, template=None,
                           **_languages()), 400 if form.errors else 200


@admin_required
def notification_template(template_id: int):
    template = service.get_template(template_id) or abort(404)
    form = NotificationTemplateForm(office_locale=office_locale())
    if form.validate_on_submit():
        template = service.get_template(template_id, for_update=True) or abort(404)
        try:
            changed = service.update_template(
                template, code=form.code.data, title=form.title.data,
                texts=form.texts(service.NOTIFICATION_KEYS),
                response_days=form.response_days.data, user=_user())
        except service.CodeTaken:
            form.code.errors = [*form.code.errors, _("Another template has this code.")]
        else:
            flash(_("The template %(title)s was saved.", title=template.title) if changed
                  else _("Nothing was changed."), "success")
            return redirect(url_for("office.notification_templates"))
    elif not form.is_submitted():
        form.code.data, form.title.data = template.code, template.title
        form.response_days.data = template.response_days
        form.fill(template.texts, service.NOTIFICATION_KEYS)
    return render_template("office/notification_template.html", form=form, template=template,
                           **_languages()), 400 if form.errors else 200


@admin_required
def notification_template_active(template_id: int):
    """POST active=0 deactivates the template, active=1 offers it again."""
    template = service.get_template(template_id, for_update=True) or abort(404)
    if not PortalForm().validate_on_submit() or request.form.get("active") not in ("0", "1"):
        abort(400)
    active = request.form["active"] == "1"
    service.set_template_active(template, active, user=_user())
    flash(_("The template %(title)s is offered again when sending.", title=template.title)
          if active else _("The template %(title)s is no longer offered when sending.",
                           title=template.title), "success")
    return redirect(url_for("office.notification_templates"))
