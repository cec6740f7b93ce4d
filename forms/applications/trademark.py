"""Trademark application."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.applications.base import ApplicationForm, DocumentSlot
from forms.fields import EntryList, RadioField, SelectField, choices
from forms.parts.goods import NiceClassForm
from forms.validators import MaxLength, Required

MARK_TYPES = [
    ("word", _l("Word mark (letters, numbers or words only)")),
    ("figurative", _l("Figurative mark (a logo or picture without words)")),
    ("combined", _l("Combined mark (words with a logo or stylised letters)")),
    ("three_dimensional", _l("Three-dimensional mark (a shape)")),
    ("colour", _l("Colour mark (a colour or combination of colours as such)")),
    ("sound", _l("Sound mark")),
    ("position", _l("Position mark")),
    ("pattern", _l("Pattern mark")),
    ("hologram", _l("Hologram mark")),
    ("motion", _l("Motion mark")),
    ("multimedia", _l("Multimedia mark")),
]
NEEDS_IMAGE = {"figurative", "combined", "three_dimensional", "colour", "position", "pattern",
               "hologram", "motion", "multimedia"}
NEEDS_DESCRIPTION = {"three_dimensional", "colour", "sound", "position", "pattern", "hologram",
                     "motion", "multimedia"}
NEEDS_TEXT = {"word", "combined"}


def is_latin(text: str) -> bool:
    return all("LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


class TrademarkForm(ApplicationForm):
    KIND = "trademark"
    DOCUMENTS = {
        "mark_image": DocumentSlot("mark_image", _l("Image of the mark"),
                                   accept="image/png,image/jpeg"),
        "sound_file": DocumentSlot("sound", _l("Sound file"), accept="audio/*"),
    }

    mark_type = SelectField(
        _l("Type of mark"), choices=choices([("", _l("Choose…"))] + MARK_TYPES),
        validators=[Required()],
        description=_l("How the mark is perceived: as words, a picture, a shape, a colour, a "
                       "sound, and so on."))
    category = RadioField(
        _l("Category of mark"),
        choices=choices([
            ("individual", _l("Individual mark: used by the owner for its own goods or "
                              "services")),
            ("collective", _l("Collective mark: used by the members of an association")),
            ("certification", _l("Certification mark: certifies characteristics such as "
                                 "origin, material or quality"))]),
        default="individual", validators=[Required()])
    mark_text = StringField(
        _l("Text of the mark"), validators=[MaxLength(500)],
        description=_l("The words, letters or numbers of the mark exactly as they appear, in "
                       "any script."))
    transliteration = StringField(
        _l("Transliteration"), validators=[MaxLength(500)],
        description=_l("Required when the mark is not in Latin script: how it is written in "
                       "Latin letters."))
    translation = StringField(
        _l("Translation"), validators=[MaxLength(500)],
        description=_l("What the words of the mark mean in English, or state that they have "
                       "no meaning."))
    colours = StringField(
        _l("Colours claimed"), validators=[MaxLength(300)],
        description=_l("Required for colour marks. Name each colour claimed as a feature of "
                       "the mark, for example: red (Pantone 186 C), white."))
    description = TextAreaField(
        _l("Description of the mark"), validators=[MaxLength(2000)],
        description=_l("Required for shapes, colours, sounds, positions, patterns, holograms, "
                       "motion and multimedia marks: what the mark consists of."),
        render_kw={"rows": 3})
    disclaimer = TextAreaField(
        _l("Disclaimer"), validators=[MaxLength(1000)],
        description=_l("An element of the mark for which you do not claim exclusive rights, "
                       "for example a common word of the trade."),
        render_kw={"rows": 2})
    goods = EntryList(FormField(NiceClassForm), min_entries=1, max_entries=45,
                      label=_l("Goods and services"))

    def display_title(self) -> str:
        text = (self.mark_text.data or "").strip()
        return text or (self.transliteration.data or "").strip()

    def validate_mark_text(self, field):
        if self.mark_type.data in NEEDS_TEXT and not (field.data or "").strip():
            raise ValidationError(_l("Enter the text of the mark."))

    def validate_transliteration(self, field):
        text = (self.mark_text.data or "").strip()
        if text and not is_latin(text) and not (field.data or "").strip():
            raise ValidationError(_l("The mark is not in Latin script: enter its "
                                     "transliteration."))

    def validate_colours(self, field):
        if self.mark_type.data == "colour" and not (field.data or "").strip():
            raise ValidationError(_l("Name the colours claimed."))

    def validate_description(self, field):
        if self.mark_type.data in NEEDS_DESCRIPTION and not (field.data or "").strip():
            raise ValidationError(_l("Describe the mark."))

    def validate_goods(self, field):
        numbers = [e.form.class_number.data for e in field.filled()]
        if not numbers:
            raise ValidationError(_l("Add at least one class of goods or services."))
        if len(set(numbers)) != len(numbers):
            raise ValidationError(_l("Each class may appear only once: put all its goods or "
                                     "services together."))

    def required_documents(self) -> set[str]:
        if self.mark_type.data == "sound":
            return {"sound_file"}
        return {"mark_image"} if self.mark_type.data in NEEDS_IMAGE else set()
