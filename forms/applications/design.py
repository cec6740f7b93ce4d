"""Industrial design application: one design, or several in a multiple application."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.applications.base import ApplicationForm, DocumentSlot
from forms.base import PlainForm
from forms.fields import EntryList, IntegerField, SelectField, choices
from forms.parts.party import InventorForm
from forms.validators import MaxLength, Required

# The 32 classes of the Locarno Classification (International Classification for Industrial
# Designs, WIPO), by their short headings.
LOCARNO_CLASSES = [
    _l("Foodstuffs"),
    _l("Articles of clothing and haberdashery"),
    _l("Travel goods, cases, parasols and personal belongings"),
    _l("Brushware"),
    _l("Textile piece goods, artificial and natural sheet material"),
    _l("Furnishing"),
    _l("Household goods"),
    _l("Tools and hardware"),
    _l("Packages and containers for the transport or handling of goods"),
    _l("Clocks and watches and other measuring, checking and signalling instruments"),
    _l("Articles of adornment"),
    _l("Means of transport or hoisting"),
    _l("Equipment for production, distribution or transformation of electricity"),
    _l("Recording, telecommunication or data processing equipment"),
    _l("Machines"),
    _l("Photographic, cinematographic and optical apparatus"),
    _l("Musical instruments"),
    _l("Printing and office machinery"),
    _l("Stationery and office equipment, artists' and teaching materials"),
    _l("Sales and advertising equipment, signs"),
    _l("Games, toys, tents and sports goods"),
    _l("Arms, pyrotechnic articles, articles for hunting, fishing and pest killing"),
    _l("Fluid distribution, sanitary, heating, ventilation and air-conditioning equipment"),
    _l("Medical and laboratory equipment"),
    _l("Building units and construction elements"),
    _l("Lighting apparatus"),
    _l("Tobacco and smokers' supplies"),
    _l("Pharmaceutical and cosmetic products, toilet articles and apparatus"),
    _l("Devices and equipment against fire hazards, for accident prevention and for rescue"),
    _l("Articles for the care and handling of animals"),
    _l("Machines and appliances for preparing food or drink"),
    _l("Graphic symbols and logos, surface patterns, ornamentation"),
]
SUBCLASS = re.compile(r"^\d{2}$")


def locarno_choices():
    return choices([("", _l("Choose a class…"))] + [
        (str(n), f"{n:02d} – {heading}") for n, heading in enumerate(LOCARNO_CLASSES, 1)])


class DesignEntryForm(PlainForm):
    key = HiddenField()  # stable across reordering: the design's views are filed under it
    title = StringField(_l("Product shown in this design"), validators=[Required(),
                                                                       MaxLength(300)])
    description = TextAreaField(
        _l("Description (optional)"), validators=[MaxLength(2000)],
        description=_l("Only what the views cannot show, for example a transparent part."),
        render_kw={"rows": 2})


class DesignForm(ApplicationForm):
    KIND = "design"
    DOCUMENTS = {}  # views are uploaded per design: slot "design:<key>"
    VIEW_SLOT = DocumentSlot("design_view", _l("Views"), required=True, multiple=True,
                             accept="image/png,image/jpeg")

    products = TextAreaField(
        _l("Indication of the product(s)"), validators=[Required(), MaxLength(1000)],
        description=_l("The products in which the design is incorporated or to which it is "
                       "applied, for example: chair; armchair."),
        render_kw={"rows": 2})
    locarno_class = SelectField(
        _l("Locarno class"), choices=locarno_choices, validators=[Required()],
        description=_l("The class of the International Classification for Industrial "
                       "Designs (Locarno) that the products belong to."))
    locarno_subclass = StringField(
        _l("Locarno subclass"), validators=[Required(), MaxLength(2)],
        description=_l("Two digits, for example 01."))
    designs = EntryList(FormField(DesignEntryForm), min_entries=1, max_entries=100,
                        label=_l("Designs"))
    designers = EntryList(FormField(InventorForm), min_entries=1, max_entries=50,
                          label=_l("Designers"))
    deferment = BooleanField(
        _l("Defer the publication of the design"),
        description=_l("The design stays unpublished for the period you choose, for example "
                       "until the product is launched."))
    deferment_months = IntegerField(_l("Deferment in months"))

    def display_title(self) -> str:
        return (self.products.data or "").strip()

    def validate_locarno_subclass(self, field):
        if field.data and not SUBCLASS.match(field.data.strip()):
            raise ValidationError(_l("Write the subclass as two digits, for example 01."))

    def validate_designs(self, field):
        if not field.filled():
            raise ValidationError(_l("Add at least one design."))

    def validate_designers(self, field):
        if not field.filled():
            raise ValidationError(_l("Add at least one designer."))

    def validate_deferment_months(self, field):
        if not self.deferment.data:
            return
        limit = current_app.config.get("DESIGN_MAX_DEFERMENT_MONTHS", 30)
        if not field.data or not 1 <= field.data <= limit:
            raise ValidationError(_l("Choose a deferment from 1 to %(n)d months.", n=limit))

    def design_slots(self) -> list[tuple[str, str]]:
        """(slot, title) of each design, for its views."""
        return [(f"design:{e.form.key.data}", e.form.title.data or "")
                for e in self.designs.filled() if e.form.key.data]
