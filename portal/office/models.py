"""The office that runs this deployment: one row of settings."""

from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Office(db.Model):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    country_code: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_locale: Mapped[str] = mapped_column(String(10), default="en")
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
    # The name and address in each language, {locale: {"name": ..., "address": ...}}; the
    # columns above are what is shown when a language has neither (portal.i18n.office_name).
    texts: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)


def current_office() -> Office | None:
    from flask import g

    if "office" not in g:
        g.office = db.session.scalar(db.select(Office).order_by(Office.id).limit(1))
    return g.office
