"""The console's users and API clients (administrators only): find an account, verify an
agent, disable or re-enable an account, change a role; make, list and revoke API clients."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.office_accounts import ActionForm, ApiClientForm, RoleForm
from portal.api.models import ApiClient
from portal.auth.access import admin_required
from portal.auth.models import Role, User
from portal.auth.second_factor import is_required
from portal.auth.second_factor import reset as reset_second_factor_of
from portal.extensions import db
from portal.office import accounts

PAGE_SIZE = 50


def _admin() -> User:
    return current_user._get_current_object()


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _checked(form) -> None:
    if not form.validate_on_submit():
        abort(400)


# --- users ---------------------------------------------------------------------------------

@admin_required
def index():
    q = request.args.get("q", "").strip()[:200]
    role = request.args.get("role", "")
    state = request.args.get("state", "")
    page = _page()
    rows = accounts.search_users(q, role, state, offset=(page - 1) * PAGE_SIZE,
                                 limit=PAGE_SIZE + 1)
    return render_template("office/users.html", rows=rows[:PAGE_SIZE],
                           more=len(rows) > PAGE_SIZE, page=page, q=q, role=role, state=state,
                           roles=list(Role), states=accounts.USER_STATES)


@admin_required
def show(user_id: int, role_form: RoleForm | None = None):
    user = _user(user_id)
    return render_template("office/user.html", user=user, entries=accounts.audit_about(user),
                           tokens=accounts.count_tokens(user),
                           role_form=role_form or RoleForm(role=user.role.value),
                           me=_admin(), second_factor_required=is_required(user))


@admin_required
def verify(user_id: int):
    user = _user(user_id)
    _checked(ActionForm())
    try:
        done = accounts.verify_agent(user, _admin())
    except accounts.ConsoleError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The agent's registration is verified.") if done
              else _("This agent's registration had already been verified."), "success")
    return redirect(url_for("office.user", user_id=user.id))


@admin_required
def disable(user_id: int):
    """GET: what disabling does; POST: do it."""
    user = _user(user_id)
    if request.method == "GET":
        if user.id == _admin().id:
            flash(str(accounts.OwnAccount.message), "error")
            return redirect(url_for("office.user", user_id=user.id))
        return render_template(
            "office/confirm.html", title=_("Disable the account of %(email)s?", email=user.email),
            consequences=[_("Every session of this account ends now."),
                          _("Nobody can log in to it until it is enabled again."),
                          _("Its personal access tokens stop working."),
                          _("Its filings, drafts and payments are kept.")],
            action=url_for("office.disable_user", user_id=user.id), hidden={},
            button=_("Disable the account"), cancel=url_for("office.user", user_id=user.id),
            form=ActionForm())
    _checked(ActionForm())
    try:
        done = accounts.disable_user(user, _admin())
    except accounts.ConsoleError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The account is disabled and its sessions have ended.") if done
              else _("This account was already disabled."), "success")
    return redirect(url_for("office.user", user_id=user.id))


@admin_required
def enable(user_id: int):
    user = _user(user_id)
    _checked(ActionForm())
    done = accounts.enable_user(user, _admin())
    flash(_("The account is enabled: its owner can log in again.") if done
          else _("This account was already enabled."), "success")
    return redirect(url_for("office.user", user_id=user.id))


@admin_required
def reset_second_factor(user_id: int):
    """GET: what resetting the second factor does; POST: do it."""
    user = _user(user_id)
    if user.id == _admin().id:
        flash(_("Your own second factor is under My account."), "error")
        return redirect(url_for("office.user", user_id=user.id))
    if request.method == "GET":
        return render_template(
            "office/confirm.html",
            title=_("Reset the second factor of %(email)s?", email=user.email),
            consequences=[_("Its authenticator app and its recovery codes stop working."),
                          _("Every session of this account ends now."),
                          _("At the next login, after the password, its owner sets up a second "
                            "factor again."),
                          _("Check first that the request comes from the account's owner.")],
            action=url_for("office.reset_second_factor", user_id=user.id), hidden={},
            button=_("Reset the second factor"), cancel=url_for("office.user", user_id=user.id),
            form=ActionForm())
    _checked(ActionForm())
    done = reset_second_factor_of(user, by=_admin())
    flash(_("The second factor is reset: the account sets it up again at its next login.")
          if done else _("This account has no second factor to reset."), "success")
    return redirect(url_for("office.user", user_id=user.id))


@admin_required
def change_role(user_id: int):
    """The role form posts here; the first post shows what will change, the second (with
    `confirmed`) changes it."""
    user = _user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return show(user.id, role_form=form), 400
    role = Role(form.role.data)
    if user.id == _admin().id and role is not Role.ADMIN:
        flash(str(accounts.OwnAccount.message), "error")
        return redirect(url_for("office.user", user_id=user.id))
    if role is user.role:
        flash(_("The account already has this role."), "success")
        return redirect(url_for("office.user", user_id=user.id))
    if request.form.get("confirmed") != "yes":
        return render_template(
            "office/confirm.html",
            title=_("Change the role of %(email)s from %(before)s to %(after)s?",
                    email=user.email, before=user.role.label, after=role.label),
            consequences=_role_consequences(user, role),
            action=url_for("office.change_role", user_id=user.id),
            hidden={"role": role.value, "confirmed": "yes"}, button=_("Change the role"),
            cancel=url_for("office.user", user_id=user.id), form=form)
    accounts.set_role(user, role, _admin())
    flash(_("The role is now %(role)s.", role=role.label), "success")
    return redirect(url_for("office.user", user_id=user.id))


def _role_consequences(user: User, role: Role) -> list[str]:
    out = []
    if role.is_office and not user.role.is_office:
        out.append(_("The account will use the office console and see every filer's data."))
    if user.role.is_office and not role.is_office:
        out.append(_("The account will no longer use the office console."))
    if role is Role.ADMIN:
        out.append(_("It will manage users, roles and API clients."))
    if user.role is Role.ADMIN:
        out.append(_("It will no longer manage users, roles and API clients."))
    if role is Role.AGENT and user.firm_id is None:
        out.append(_("It has no firm yet: as an agent it files for clients alone."))
    return out


# --- API clients ---------------------------------------------------------------------------

@admin_required
def api_clients(form: ApiClientForm | None = None):
    kind = request.args.get("kind", "")
    owner_id = request.args.get("owner", type=int)
    owner = db.session.get(User, owner_id) if owner_id else None
    page = _page()
    rows = accounts.list_clients(kind, owner.id if owner else None,
                                 offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    if form is None:
        form = ApiClientForm(request_id=uuid.uuid4().hex)
    return render_template("office/api_clients.html", rows=rows[:PAGE_SIZE],
                           more=len(rows) > PAGE_SIZE, page=page, kind=kind, owner=owner,
                           kinds=accounts.CLIENT_KINDS, form=form), 400 if form.errors else 200


@admin_required
def create_api_client():
    form = ApiClientForm()
    if not form.validate_on_submit():
        return api_clients(form)
    if not form.request_id.data:
        abort(400)
    try:
        client, token = accounts.create_system_client(form.name.data, form.scopes.data,
                                                      _admin(), form.request_id.data[:64])
    except accounts.AlreadyCreated as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("office.api_clients"))
    # Shown in the answer to the POST, never after a redirect, never stored or logged.
    response = render_template("office/api_client_created.html", client=client, token=token)
    return response, 200, {"Cache-Control": "no-store"}


@admin_required
def revoke_api_client(client_id: int):
    """GET: what revoking does; POST: do it."""
    client = db.session.get(ApiClient, client_id) or abort(404)
    if request.method == "GET":
        return render_template(
            "office/confirm.html", title=_("Revoke the API client %(name)s?", name=client.name),
            consequences=[_("Its token (beginning %(start)s) is refused from now on.",
                            start=client.token_start),
                          _("The systems that use it stop working until they get a new one."),
                          _("This cannot be undone.")],
            action=url_for("office.revoke_api_client", client_id=client.id), hidden={},
            button=_("Revoke the client"), cancel=url_for("office.api_clients"),
            form=ActionForm())
    _checked(ActionForm())
    done = accounts.revoke_client(client, _admin())
    flash(_("The API client %(name)s is revoked: its token no longer works.", name=client.name)
          if done else _("This API client was already revoked."), "success")
    return redirect(url_for("office.api_clients"))
