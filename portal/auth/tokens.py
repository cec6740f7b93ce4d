"""The account's personal access tokens: for an applicant's or agent's own docketing system."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.account import TokenForm
from forms.base import PortalForm
from portal.api import services
from portal.auth.access import filer_required


def _user():
    return current_user._get_current_object()


@filer_required
def tokens(form: TokenForm | None = None):
    return render_template("auth/tokens.html", form=form or TokenForm(),
                           tokens=services.list_personal_tokens(_user()),
                           revoke_form=PortalForm())


@filer_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return tokens(form)
    client, token = services.create_personal_token(_user(), form.name.data, form.scopes.data)
    # Shown in the answer to the POST, not after a redirect: the token must not wait in the
    # session cookie for the next page. The page is never cached (Cache-Control: no-store).
    return render_template("auth/token_created.html", client=client, token=token)


@filer_required
def revoke_token(token_id: int):
    client = services.get_personal_token(_user(), token_id)
    if client is None:
        abort(404)
    if not PortalForm().validate_on_submit():
        abort(400)
    if services.revoke_personal_token(_user(), client):
        flash(_("The token %(name)s is revoked: it no longer works.", name=client.name),
              "success")
    return redirect(url_for("auth.tokens"))
