"""Goods and services: Nice classes with their terms."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from wtforms import Form, TextAreaField
from wtforms.fields.choices import SelectChoice

from forms.fields import SelectField
from forms.validators import MaxLength, Required

NICE_FILE = Path(__file__).resolve().parent.parent.parent / "portal" / "data" / "nice_classes.json"


@lru_cache(maxsize=1)
def nice_classes() -> tuple[dict, ...]:
    """The 45 Nice classes (number, heading, note, includes, excludes), as shipped."""
    return tuple(json.loads(NICE_FILE.read_text(encoding="utf-8")))


def class_choices() -> list[SelectChoice]:
    out = [SelectChoice("", str(_l("Choose a class…")))]
    for c in nice_classes():
        heading = c["heading"]
        short = heading if len(heading) <= 90 else heading[:87].rsplit(" ", 1)[0] + "…"
        out.append(SelectChoice(str(c["number"]), f"{c['number']} – {short}"))
    return out


def split_terms(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").replace("\n", ";").split(";") if t.strip()]


class NiceClassForm(Form):
    class_number = SelectField(_l("Nice class"), choices=class_choices, validators=[Required()])
    terms = TextAreaField(
        _l("Goods or services in this class"), validators=[Required(), MaxLength(20000)],
        description=_l("List each product or service, separated by semicolons, for example: "
                       "coffee; tea; cocoa."),
        render_kw={"rows": 3})
