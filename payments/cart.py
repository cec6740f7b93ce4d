"""The cart: ready drafts collected for one checkout. It is rows, so it survives logging out."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from payments.fees import FeeQuote, calculate_fees
from payments.models import CartItem
from portal.auth.models import User
from portal.extensions import db
from portal.filings.models import Filing
from portal.filings.services import Problem, check_filing, visible_to


class CartError(Exception):
    """Something stops the cart or the checkout; `message` is translated for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CartLine:
    filing: Filing
    quote: FeeQuote
    problems: list[Problem]

    @property
    def ready(self) -> bool:
        return not self.problems


def add_to_cart(user: User, filing: Filing) -> CartItem:
    """Put a draft of the user's (or the firm's) in the user's cart; adding twice is once."""
    if not filing.is_draft:
        raise CartError(_l("Only drafts can be added to the cart."))
    item = db.session.scalar(select(CartItem).where(CartItem.filing_id == filing.id))
    if item is not None:
        if item.user_id != user.id:
            raise CartError(_l("This draft is already in the cart of a colleague."))
        return item
    item = CartItem(user_id=user.id, filing_id=filing.id)
    db.session.add(item)
    db.session.flush()
    return item


def remove_from_cart(user: User, filing_id: int) -> bool:
    item = db.session.scalar(select(CartItem).where(CartItem.filing_id == filing_id,
                                                    CartItem.user_id == user.id))
    if item is None:
        return False
    db.session.delete(item)
    return True


def cart_filings(user: User) -> list[Filing]:
    return list(db.session.scalars(
        select(Filing).join(CartItem, CartItem.filing_id == Filing.id)
        .where(CartItem.user_id == user.id, visible_to(user))
        .order_by(CartItem.added_at, CartItem.id)))


def cart_lines(user: User) -> list[CartLine]:
    """Every item with its fees and what still stops it from being filed."""
    return [CartLine(f, calculate_fees(f), check_filing(f)) for f in cart_filings(user)]


def cart_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(CartItem.id))
                             .where(CartItem.user_id == user.id)) or 0


def lock_payer(user: User) -> None:
    """Serialise the checkouts of one user (a row lock on PostgreSQL; SQLite writes one at a
    time anyway)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def ready_items(user: User) -> list[Filing]:
    """The cart's filings, all re-checked; raises CartError when one is not ready."""
    filings = cart_filings(user)
    if not filings:
        raise CartError(_l("Your cart is empty."))
    for filing in filings:
        if not filing.is_draft:
            raise CartError(_l("%(title)s is no longer a draft.", title=_title(filing)))
        if check_filing(filing):
            raise CartError(_l("%(title)s is not ready to be filed: check it and correct it "
                               "first.", title=_title(filing)))
    return filings


def _title(filing: Filing) -> str:
    return filing.title or filing.reference or filing.type_label
