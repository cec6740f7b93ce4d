"""The form class of each kind of new application."""

from __future__ import annotations

from forms.applications.design import DesignForm
from forms.applications.patent import PatentForm, UtilityModelForm
from forms.applications.trademark import TrademarkForm

APPLICATION_FORMS = {
    "trademark": TrademarkForm,
    "patent": PatentForm,
    "design": DesignForm,
    "utility_model": UtilityModelForm,
}
