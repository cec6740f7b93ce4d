"""The objects and the people of the access sweep (tests/test_access_sweep.py): each filer's
world of real objects, made on demand through the pages and services, the users who ask for
them, and a snapshot of the database to show that a refused request changed nothing."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from sqlalchemy import delete, inspect, select

from payments import cart as carts
from payments.fees import office_today
from payments.models import CartItem, Order
from payments.providers.deposit_account import move, open_account
from portal.api.models import PERSONAL_SCOPES, create_client
from portal.auth.models import Role, User
from portal.clients.models import Client
from portal.extensions import db
from portal.filings import services as filings
from portal.filings.models import Filing, IPKind
from portal.receipts.models import Receipt
from portal.tracking.models import NotificationTemplate
from portal.tracking.services import record_office_event
from tests.conftest import Browser, csrf_token, make_user
from tests.filings.conftest import pdf_bytes, save, start
from tests.orders.conftest import checkout, fill_cart, order_id_of

# --- the objects ------------------------------------------------------------------------------

class World:
    """One filer's objects, made on demand: the properties once, the other methods a new one
    at each call (for the URLs that delete or change what they name)."""

    def __init__(self, sweep: Sweep, user: User, web: Browser):
        self.sweep, self.user, self.web = sweep, user, web

    @property
    def is_agent(self) -> bool:
        return self.user.role is Role.AGENT

    def draft(self) -> int:
        filing = filings.create_draft(self.user, IPKind.TRADEMARK)
        db.session.commit()
        return filing.id

    def draft_in_cart(self) -> int:
        filing = db.session.get(Filing, self.draft())
        carts.add_to_cart(self.user, filing)
        db.session.commit()
        return filing.id

    def draft_with_document(self) -> dict[str, int]:
        filing_id = start(self.web, "patent")
        r = save(self.web, filing_id, {}, files={"description_pdf": (pdf_bytes(2), "d.pdf")})
        assert r.status_code == 302, r.status_code
        filing = db.session.get(Filing, filing_id)
        return {"filing_id": filing_id, "document_id": filing.documents[0].id}

    def token_id(self) -> int:
        client, _token = create_client("Sweep", list(PERSONAL_SCOPES), user=self.user)
        db.session.commit()
        return client.id

    @cached_property
    def token(self) -> str:
        _client, token = create_client("Sweep", list(PERSONAL_SCOPES), user=self.user)
        db.session.commit()
        return token

    @cached_property
    def revoked_token(self) -> str:
        client, token = create_client("Old", list(PERSONAL_SCOPES), user=self.user)
        client.revoked_at = client.created_at
        db.session.commit()
        return token

    @cached_property
    def order(self) -> Order:
        """Paid from the deposit account: a patent (kept) and a trademark (withdrawn and
        refunded, so that the order has a credit note)."""
        move(open_account(self.user, "KHR"), Decimal("5000000"), "top_up", note="sweep")
        self.empty_cart()
        fill_cart(self.web, kinds=("patent", "trademark"))
        order = db.session.get(Order, order_id_of(checkout(self.web, "deposit_account")))
        refunded = next(i for i in order.items if i.filing.kind is IPKind.TRADEMARK)
        r = self.sweep.staff.submit(f"/office/orders/{order.id}/refund",
                                    {"item_id": str(refunded.id), "reason": "Withdrawn"},
                                    page=f"/office/orders/{order.id}")
        assert r.status_code == 302, r.status_code
        assert self.credit_note_of(order) is not None
        return order

    @cached_property
    def transfer(self) -> Order:
        """An order awaiting the applicant's bank transfer."""
        self.empty_cart()
        fill_cart(self.web, kinds=("trademark",))
        return db.session.get(Order, order_id_of(checkout(self.web, "bank_transfer")))

    def empty_cart(self) -> None:
        """Without the drafts the URLs put there, which are not ready to be filed."""
        db.session.execute(delete(CartItem).where(CartItem.user_id == self.user.id))
        db.session.commit()

    @staticmethod
    def credit_note_of(order: Order) -> Receipt | None:
        return db.session.scalar(select(Receipt).where(Receipt.order_id == order.id,
                                                       Receipt.kind == "credit_note"))

    @cached_property
    def accepted(self) -> Filing:
        """The order's filing that stays accepted, with its documents."""
        return next(i.filing for i in self.order.items if i.filing.kind is IPKind.PATENT)

    def notification(self, response_due: date | None = None) -> int:
        self.sweep.events += 1
        recorded = record_office_event(self.accepted, event_id=f"SWEEP-{self.sweep.events}",
                                       type="notification", subject="Formal deficiencies",
                                       body="Please file the translation.",
                                       response_due=response_due)
        db.session.commit()
        return recorded.notification.id

    def client(self) -> int | None:
        """A new entry of the firm's client book (None: no book outside an agents' firm)."""
        if not self.is_agent:
            return None
        r = self.web.submit("/clients/new", {
            "kind": "entity", "name": "Lotus Foods Plc", "legal_form": "Public company",
            "state_of_incorporation": "KH", "address": "4 Quay, Phnom Penh", "country": "KH"})
        assert r.status_code == 302, r.get_data(as_text=True)[:1000]
        return int(re.search(r"/clients/(\d+)", r.headers["Location"]).group(1))

    def power(self) -> dict[str, int] | None:
        client_id = self.client()
        if client_id is None:
            return None
        r = self.web.submit(f"/clients/{client_id}/powers",
                            {"scope": "general", "valid_from": office_today().isoformat(),
                             "document": (io.BytesIO(pdf_bytes(1)), "poa.pdf")},
                            page=f"/clients/{client_id}", content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]
        client = db.session.get(Client, client_id)
        return {"client_id": client_id, "power_id": client.powers[0].id}


# --- who asks -------------------------------------------------------------------------------

@dataclass
class Actor:
    name: str
    web: Browser
    csrf: str
    user: User | None = None
    token: str | None = None  # a bearer token, on the API

    def call(self, method: str, url: str, body: dict | None = None):
        """`method` on `url` as this actor: on the API with its bearer token and `body` (the
        test client's keywords), on pages with its CSRF token."""
        if url.startswith("/api/"):
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            return self.web.client.open(url, method=method, headers=headers, buffered=True,
                                        **(body or {}))
        data = None if method == "GET" else {"csrf_token": self.csrf}
        return self.web.client.open(url, method=method, data=data, buffered=True)


def logged_in(app, name: str, user: User) -> Actor:
    web = Browser(app.test_client())
    assert web.login(user.email).status_code == 302
    page = "/office/" if user.role.is_office else "/account"
    return Actor(name, web, csrf_token(web.get(page).get_data(as_text=True)), user)


def anonymous(app) -> Actor:
    web = Browser(app.test_client())
    return Actor("anonymous", web, csrf_token(web.get("/login").get_data(as_text=True)))


class Sweep:
    """The users, their worlds, and what the office's pages name."""

    def __init__(self, app, users):
        from payments.fees import load_tariff
        from portal.seed import TARIFF_FILE

        self.app, self.events = app, 0
        self.schedule_id = load_tariff(TARIFF_FILE).id
        self.others = {
            "applicant2": make_user("applicant2@example.org", full_name="Lina Sok"),
            "agent2": make_user("agent2@example.org", Role.AGENT, organisation="Angkor IP"),
            # An agent of the first agent's firm who became an applicant: no longer the firm's.
            "former_agent": make_user("former@example.org", Role.APPLICANT,
                                      firm=users["agent"].firm),
        }
        self.users = {**users, **self.others}
        self.actors = {name: logged_in(app, name, user) for name, user in self.users.items()}
        self.actors["anonymous"] = anonymous(app)
        self.staff = self.actors["staff"].web
        self.worlds = {name: World(self, self.users[name], self.actors[name].web)
                       for name in ("applicant", "agent", "applicant2", "agent2",
                                    "former_agent")}
        template = NotificationTemplate(code="sweep", title="Sweep",
                                        texts={"en": {"subject": "Hello", "body": "Text"}})
        system, self.system_token = create_client("IPAS", ["submissions:read",
                                                           "submissions:write"])
        _reader, self.reader_token = create_client("Reports", ["submissions:read"])
        _staff_token, self.staff_token = create_client("Staff", list(PERSONAL_SCOPES),
                                                       user=users["staff"])
        db.session.add(template)
        db.session.commit()
        self.template_id, self.system_client_id = template.id, system.id
        for world in self.worlds.values():  # made before any snapshot is taken
            world.token, world.revoked_token  # noqa: B018

    @staticmethod
    def outbox_id(filing: Filing) -> int:
        from portal.backoffice.models import OutboxMessage

        return db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.filing_id == filing.id))

    @staticmethod
    def account_id(w: World) -> int:
        from payments.providers.deposit_account import account_of

        w.order  # noqa: B018 - the order opens and fills the account
        return account_of(w.user).id

    def mail_name(self, w: World) -> str:
        w.order  # noqa: B018 - the receipt's mail
        folder = Path(self.app.config["PORTAL_DATA_DIR"]) / "mail"
        return sorted(p.name for p in folder.glob("*.eml"))[-1]


# --- the database must not change -----------------------------------------------------------

def snapshot() -> dict[str, list[str]]:
    """Every row of every table (of the models' tables that the migrations made)."""
    present = set(inspect(db.session.connection()).get_table_names())
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables if table.name in present}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]
