"""2. Annual (maintenance) fees of a patent or utility model: the years paid, each due on the
anniversary of the filing date, late within the grace period with a surcharge."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from forms.fields import DateField, IntegerField
from forms.requests.base import RequestForm, RightForm, late_months, setting
from forms.validators import Required
from payments.fees import office_today

TERMS = {"patent": ("PATENT_TERM_YEARS", 20), "utility_model": ("UTILITY_MODEL_TERM_YEARS", 10)}
MAX_YEARS_AT_ONCE = 5


class AnnuityRight(RightForm):
    COLUMNS = ("filed_on", "first_year", "last_year")

    filed_on = DateField(
        _l("Filing date"), validators=[Required()],
        description=_l("Each annual fee falls due on the anniversary of this date."))
    first_year = IntegerField(
        _l("From year"), validators=[Required()],
        description=_l("The first year of protection paid for, for example 3."))
    last_year = IntegerField(
        _l("To year"), description=_l("The last year paid for; leave empty to pay one year."))

    def term(self) -> int:
        name, default = TERMS.get(self.IP_KIND, ("PATENT_TERM_YEARS", 20))
        return setting(name, default)

    def due_on(self, year: int) -> date | None:
        if self.filed_on.data is None:
            return None
        return self.filed_on.data + relativedelta(years=year - 1)

    def years(self) -> list[int]:
        first = self.first_year.data
        if not first:
            return []
        return list(range(first, (self.last_year.data or first) + 1))

    def validate_first_year(self, field):
        if field.data is None:
            return
        first = setting("ANNUITY_FIRST_YEAR", 2)
        if not first <= field.data <= self.term():
            raise ValidationError(_l("Enter a year from %(first)d to %(term)d.", first=first,
                                     term=self.term()))
        due = self.due_on(field.data)
        if due is None:
            return
        grace_ends = due + relativedelta(months=setting("ANNUITY_GRACE_MONTHS", 6))
        if office_today() > grace_ends:
            raise ValidationError(_l(
                "The fee for year %(year)d fell due on %(due)s and its grace period ended on "
                "%(end)s: request restoration of the right instead.", year=field.data,
                due=format_date(due, "long"), end=format_date(grace_ends, "long")))

    def validate_last_year(self, field):
        first = self.first_year.data
        if field.data is None or not first:
            return
        if not first <= field.data <= self.term():
            raise ValidationError(_l("Enter a year from %(first)d to %(term)d.", first=first,
                                     term=self.term()))
        if field.data - first + 1 > MAX_YEARS_AT_ONCE:
            raise ValidationError(_l("At most %(n)d years can be paid at once.",
                                     n=MAX_YEARS_AT_ONCE))

    def right_basis(self, today: date) -> dict:
        return {"years": [(year, late_months(self.due_on(year), today))
                          for year in self.years()]}


class AnnuityForm(RequestForm):
    TYPE = "annuity"
    KINDS = ("patent", "utility_model")
    LABEL = _l("Annual fee (maintenance)")
    HELP = _l("Pay the annual fees that keep patents and utility models in force, for one or "
              "several years; late within the grace period, with a surcharge.")
    MULTIPLE = True
    RIGHT_FORM = AnnuityRight
    RIGHTS_LABEL = _l("Patents or utility models")
