"""A draft's data as JSON, read and written through the same form classes as the web pages.

A draft keeps its form as name/value pairs (portal.filings.services). The API shows and takes
it as JSON shaped like the form: a field is a key, a sub-form an object, a list of entries an
array, e.g. {"reference": "MK-1", "applicants": [{"name": "..."}], "goods": [{"class_number":
"30", "terms": "tea"}]}. Values are text as typed on the page; checkboxes are booleans.

An update merges like a JSON merge patch (RFC 7396): objects merge, arrays and values replace,
null clears. Only what the form cannot hold is refused: a field it does not have, a wrong
shape, a value it cannot read (a date, a number) or a choice it does not offer. Whether the
draft is complete and correct is for the check before filing, as on the web.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField
from wtforms.fields import RadioField, SelectField, SelectMultipleField
from wtforms.validators import StopValidation, ValidationError

from forms.applications.base import ApplicationForm
from portal.filings.services import assign_design_keys, form_to_pairs

NOT_DATA = ("CSRFTokenField", "FileField", "MultipleFileField", "SubmitField")
Pairs = list[list[str]]


@dataclass(frozen=True)
class FieldError:
    field: str  # the form's field name, as in the check's problems: "goods-0-class_number"
    message: str


class InvalidData(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__(f"{len(errors)} invalid fields")
        self.errors = errors


def build_form(form_class: type[ApplicationForm], pairs: Pairs) -> ApplicationForm:
    return form_class(formdata=MultiDict(pairs), meta={"csrf": False})


# --- out ------------------------------------------------------------------------------------------

def form_json(form) -> dict[str, Any]:
    """The form's values as JSON: exactly the pairs a save would keep, nested."""
    values = dict(form_to_pairs(form))
    return _form_json(form, values)


def _form_json(form, values: dict[str, str]) -> dict[str, Any]:
    return {field.short_name: _field_json(field, values) for field in form
            if field.type not in NOT_DATA}


def _field_json(field, values: dict[str, str]):
    if isinstance(field, FieldList):
        return [_field_json(entry, values) for entry in field.entries]
    if isinstance(field, FormField):
        return _form_json(field.form, values)
    if field.type == "BooleanField":
        return field.name in values
    return values.get(field.name, "")


# --- in -------------------------------------------------------------------------------------------

def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def data_pairs(form_class: type[ApplicationForm], data: Any,
               checked: set[str] | None = None) -> Pairs:
    """The pairs of `data` for a form of `form_class`, in the form's order, with design keys.

    Raises InvalidData listing every field the form cannot hold; the values of the fields in
    `checked` (all when None) must also be readable and among the choices offered.
    """
    pairs: Pairs = []
    errors: list[FieldError] = []
    if not isinstance(data, dict):
        raise InvalidData([FieldError("", _("The data must be an object of the form's "
                                            "fields."))])
    _flatten_form(form_class(formdata=None, meta={"csrf": False}), data, "", pairs, errors)
    if errors:
        raise InvalidData(errors)
    form = build_form(form_class, pairs)
    given = {name for name, _value in pairs} if checked is None else checked
    errors = [e for e in value_errors(form) if e.field in given]
    if errors:
        raise InvalidData(errors)
    assign_design_keys(form)
    return form_to_pairs(form)


def given_names(form_class: type[ApplicationForm], data: Any) -> set[str]:
    """The field names `data` gives values for (nothing when its shape is wrong)."""
    pairs: Pairs = []
    if isinstance(data, dict):
        _flatten_form(form_class(formdata=None, meta={"csrf": False}), data, "", pairs, [])
    return {name for name, _value in pairs}


def _flatten_form(form, data: dict, prefix: str, pairs: Pairs, errors: list[FieldError]):
    fields = {f.short_name: f for f in form if f.type not in NOT_DATA}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in fields:
            errors.append(FieldError(name, _("This form has no such field.")))
        else:
            _flatten_field(fields[key], value, name, pairs, errors)


def _flatten_field(field, value, name: str, pairs: Pairs, errors: list[FieldError]):
    if isinstance(field, FieldList):
        if not isinstance(value, list):
            errors.append(FieldError(name, _("Give a list.")))
            return
        if field.max_entries and len(value) > field.max_entries:
            errors.append(FieldError(name, _("At most %(n)d entries.", n=field.max_entries)))
            return
        template = field.entries[0] if field.entries else field.append_entry()
        for index, item in enumerate(value):
            if item is not None:
                _flatten_field(template, item, f"{name}-{index}", pairs, errors)
    elif isinstance(field, FormField):
        if not isinstance(value, dict):
            errors.append(FieldError(name, _("Give an object of the fields.")))
            return
        _flatten_form(field.form, value, f"{name}-", pairs, errors)
    elif field.type == "BooleanField":
        if not isinstance(value, bool):
            errors.append(FieldError(name, _("Give true or false.")))
        elif value:
            pairs.append([name, "y"])
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        pairs.append([name, str(value).replace("\x00", "")])  # no database keeps NUL
    else:
        errors.append(FieldError(name, _("Give a text value.")))


def value_errors(form) -> list[FieldError]:
    """The values the form could not read, and choices it does not offer."""
    out = []
    for field in leaves(form):
        if field.process_errors:
            out.extend(FieldError(field.name, str(m)) for m in field.process_errors)
        elif isinstance(field, SelectField | RadioField | SelectMultipleField):
            try:
                field.pre_validate(form)
            except (ValidationError, StopValidation) as exc:
                out.append(FieldError(field.name, str(exc) or _("Choose one of the options "
                                                                "offered.")))
    return out


def leaves(form) -> Iterator:
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from leaves(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from leaves(field.form)
        elif field.type not in NOT_DATA:
            yield field


# --- the forms, described -------------------------------------------------------------------------

def describe_form(form_class: type[ApplicationForm]) -> dict[str, Any]:
    """The fields and document slots of a form, for docketing systems to map their data."""
    form = form_class(formdata=None, meta={"csrf": False})
    slots = [{"slot": name, "label": str(slot.label), "kind": slot.kind,
              "required": slot.required, "multiple": slot.multiple, "accept": slot.accept}
             for name, slot in form.DOCUMENTS.items()]
    if hasattr(form, "VIEW_SLOT"):
        view = form.VIEW_SLOT
        slots.append({"slot": "designs-<n>-views", "label": str(view.label), "kind": view.kind,
                      "required": view.required, "multiple": True, "accept": view.accept})
    return {"fields": _describe(form), "documents": slots}


def _describe(form) -> list[dict[str, Any]]:
    return [_describe_field(f) for f in form if f.type not in NOT_DATA]


def _describe_field(field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": field.short_name, "label": str(field.label.text),
                           "description": str(field.description or ""),
                           "required": bool(field.flags.required)}
    if isinstance(field, FieldList):
        template = field.entries[0] if field.entries else field.append_entry()
        out.update(type="list", max_entries=field.max_entries)
        if isinstance(template, FormField):
            out["fields"] = _describe(template.form)
        else:
            out["items"] = _describe_field(template)
    elif isinstance(field, FormField):
        out.update(type="object", fields=_describe(field.form))
    else:
        out["type"] = _TYPES.get(field.type, "string")
        if isinstance(field, SelectField | RadioField | SelectMultipleField):
            out["choices"] = [{"value": value, "label": str(label)}
                              for value, label, *_rest in field.iter_choices() if value != ""]
    return out


_TYPES = {"BooleanField": "boolean", "DateField": "date", "IntegerField": "integer",
          "DecimalField": "decimal", "AmountField": "decimal", "HiddenField": "hidden"}
