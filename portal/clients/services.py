"""The client book of an agents' firm: every agent of the firm sees and edits the same book."""

from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from portal.auth.models import Role, User
from portal.clients.models import PARTY_FIELDS, Client, PowerOfAttorney
from portal.documents.checks import DocumentKind, check_upload
from portal.documents.models import Document
from portal.documents.storage import get_storage
from portal.extensions import db
from portal.filings.documents import clean_name, discard_document, read_upload
from portal.timeutil import utcnow


def _book(user: User):
    return Client.firm_id == user.firm_id


def has_book(user: User) -> bool:
    return user.role is Role.AGENT and user.firm_id is not None


def list_clients(user: User) -> list[Client]:
    if not has_book(user):
        return []
    return list(db.session.scalars(select(Client).where(_book(user)).order_by(Client.name)
                                   .options(selectinload(Client.powers))))


def get_client(user: User, client_id: int | None) -> Client | None:
    if client_id is None or not has_book(user):
        return None
    return db.session.scalar(select(Client).where(Client.id == client_id, _book(user)))


def client_or_404(user: User, client_id: int) -> Client:
    client = get_client(user, client_id)
    if client is None:
        abort(404)
    return client


def save_client(user: User, data: dict, client: Client | None = None) -> Client:
    if client is None:
        client = Client(firm_id=user.firm_id)
        db.session.add(client)
    for name in PARTY_FIELDS:
        value = data.get(name)
        setattr(client, name, value.strip() if isinstance(value, str) else value)
    client.updated_at = utcnow()
    db.session.flush()
    return client


def delete_client(client: Client) -> None:
    for power in list(client.powers):
        _discard_power(power)
    db.session.delete(client)


def add_power(user: User, client: Client, upload: FileStorage, *, scope: str,
              scope_note: str | None, valid_from: date, valid_to: date | None
              ) -> PowerOfAttorney:
    """Check the power's PDF and keep it with the client (raises DocumentRejected)."""
    data = read_upload(upload, DocumentKind.POWER_OF_ATTORNEY)
    checked = check_upload(DocumentKind.POWER_OF_ATTORNEY, upload.filename or "", data)
    key = get_storage().put(data, suffix=f".{checked.extension}")
    document = Document(owner_id=user.id, firm_id=client.firm_id, slot="power_of_attorney",
                        kind=DocumentKind.POWER_OF_ATTORNEY.value,
                        filename=clean_name(upload.filename, checked.extension),
                        media_type=checked.media_type, size=checked.size,
                        sha256=checked.sha256, pages=checked.pages, storage_key=key)
    power = PowerOfAttorney(client=client, document=document, scope=scope,
                            scope_note=(scope_note or "").strip() or None,
                            valid_from=valid_from, valid_to=valid_to)
    db.session.add(power)
    db.session.flush()
    return power


def remove_power(client: Client, power_id: int) -> bool:
    power = next((p for p in client.powers if p.id == power_id), None)
    if power is None:
        return False
    _discard_power(power)
    return True


def _discard_power(power: PowerOfAttorney) -> None:
    document = power.document
    power.client.powers.remove(power)
    db.session.flush()
    discard_document(document)
