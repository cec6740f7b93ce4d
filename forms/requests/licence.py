"""5. Recordal of a licence: licensee, exclusivity, territory, term, goods or services covered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FormField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.fields import DateField, RadioField, choices
from forms.requests.base import DocumentSlot, OtherPartyForm, RequestForm, require_when
from forms.validators import MaxLength, Required

EXCLUSIVITY = [("exclusive", _l("Exclusive: not even the owner may use the right")),
               ("sole", _l("Sole: the owner may use it, but grants no other licence")),
               ("non_exclusive", _l("Non-exclusive"))]
TERRITORIES = [("whole", _l("The whole country")), ("part", _l("Part of the country"))]
SCOPES = [("all", _l("Everything the right covers")),
          ("part", _l("Only some goods, services, products or claims"))]


class LicenceForm(RequestForm):
    TYPE = "licence"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Recordal of a licence")
    HELP = _l("Record a licence granted on the rights: who may use them, where, for how long "
              "and for what.")
    MULTIPLE = True
    DOCUMENTS = {"deed": DocumentSlot("deed", _l("Licence contract, or an extract signed by "
                                                  "both parties"), required=True)}
    SECTIONS = [(_l("Licensee"), ["licensee"]),
                (_l("The licence"), ["exclusivity", "territory", "territory_detail",
                                     "starts_on", "ends_on", "scope", "scope_detail",
                                     "sublicensing"])]

    licensee = FormField(OtherPartyForm, label=_l("Licensee"))
    exclusivity = RadioField(_l("Kind of licence"), choices=choices(EXCLUSIVITY),
                             validators=[Required()])
    territory = RadioField(_l("Territory"), choices=choices(TERRITORIES), default="whole",
                           validators=[Required()])
    territory_detail = StringField(_l("Part of the country covered"),
                                   validators=[MaxLength(500)],
                                   description=_l("For example the provinces covered."))
    starts_on = DateField(_l("Start of the licence"), validators=[Required()])
    ends_on = DateField(_l("End of the licence"),
                        description=_l("Leave empty for a licence that runs as long as the "
                                       "right."))
    scope = RadioField(_l("What the licence covers"), choices=choices(SCOPES), default="all",
                       validators=[Required()])
    scope_detail = TextAreaField(_l("Goods, services, products or claims covered"),
                                 validators=[MaxLength(20000)], render_kw={"rows": 4})
    sublicensing = BooleanField(_l("The licensee may grant sub-licences"))

    def validate_territory_detail(self, field):
        require_when(self.territory.data == "part", field,
                     _l("Say which part of the country the licence covers."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_scope_detail(self, field):
        require_when(self.scope.data == "part", field, _l("Say what the licence covers."))

    def fee_flags(self) -> set[str]:
        return {self.exclusivity.data} if self.exclusivity.data else set()
