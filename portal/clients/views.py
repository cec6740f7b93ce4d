"""The client book pages (agents only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.base import PortalForm
from forms.clients import ClientForm, PowerOfAttorneyForm
from portal.auth.access import role_required
from portal.auth.models import Role
from portal.clients import services
from portal.clients.models import PARTY_FIELDS
from portal.documents.checks import DocumentRejected
from portal.filings.services import office_today

agent_required = role_required(Role.AGENT)


def _user():
    user = current_user._get_current_object()
    if not services.has_book(user):
        abort(404)
    return user


@agent_required
def index():
    today = office_today()
    rows = [(client, any(p.is_valid_on(today) for p in client.powers))
            for client in services.list_clients(_user())]
    return render_template("clients/index.html", clients=rows, today=today)


@agent_required
def edit(client_id: int | None = None):
    user = _user()
    client = services.client_or_404(user, client_id) if client_id else None
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in PARTY_FIELDS}
        client = services.save_client(user, data, client)
        flash(_("The client %(name)s has been saved.", name=client.name), "success")
        return redirect(url_for("clients.edit", client_id=client.id))
    return render_template("clients/edit.html", form=form, client=client,
                           power_form=PowerOfAttorneyForm(valid_from=office_today()),
                           today=office_today(), delete_form=PortalForm())


@agent_required
def delete(client_id: int):
    client = services.client_or_404(_user(), client_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    name = client.name
    services.delete_client(client)
    flash(_("The client %(name)s has been removed from the book.", name=name), "success")
    return redirect(url_for("clients.index"))


@agent_required
def add_power(client_id: int):
    user = _user()
    client = services.client_or_404(user, client_id)
    power_form = PowerOfAttorneyForm()
    upload = request.files.get("document")
    if power_form.validate_on_submit():
        if not upload or not upload.filename:
            power_form.document.errors = [_("Choose the PDF of the power of attorney.")]
        else:
            try:
                services.add_power(user, client, upload, scope=power_form.scope.data,
                                   scope_note=power_form.scope_note.data,
                                   valid_from=power_form.valid_from.data,
                                   valid_to=power_form.valid_to.data)
            except DocumentRejected as exc:
                power_form.document.errors = [str(exc.message)]
            else:
                flash(_("The power of attorney has been added."), "success")
                return redirect(url_for("clients.edit", client_id=client.id,
                                        _anchor="powers"))
    return render_template("clients/edit.html", form=ClientForm(obj=client), client=client,
                           power_form=power_form, today=office_today(),
                           delete_form=PortalForm())


@agent_required
def remove_power(client_id: int, power_id: int):
    client = services.client_or_404(_user(), client_id)
    if not PortalForm().validate_on_submit() or not services.remove_power(client, power_id):
        abort(404)
    flash(_("The power of attorney has been removed."), "success")
    return redirect(url_for("clients.edit", client_id=client.id, _anchor="powers"))
