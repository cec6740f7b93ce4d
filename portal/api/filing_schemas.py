"""The schemas of filing by API, as the OpenAPI document shows them."""

from __future__ import annotations

from flask_smorest.fields import Upload as UploadField
from marshmallow import Schema, validate
from marshmallow import fields as ma

from portal.api.auth import ErrorDetail, Text
from portal.filings.models import FilingStatus, IPKind

MAX_ID = 2**31 - 1
KINDS = [k.value for k in IPKind]
STATUSES = [s.value for s in FilingStatus]
DATA_HELP = ("The form's fields: a field is a key, a sub-form an object, a list of entries an "
             "array; values are text as typed on the web page, checkboxes booleans. "
             "GET /api/v1/filing-forms/{kind}/{type} describes the fields of each form.")


# --- errors ---------------------------------------------------------------------------------------

class ProblemOut(Schema):
    field = ma.String(required=True, metadata={
        "description": "The field (or document slot) the problem is about, e.g. "
                       "goods-0-class_number."})
    label = ma.String(required=True)
    message = ma.String(required=True)


class FilingErrorDetail(ErrorDetail):
    problems = ma.List(ma.Nested(ProblemOut), metadata={
        "description": "With `not_ready`: what stops the draft from being filed."})
    reason = ma.String(metadata={
        "description": "With `invalid_document`: why the file was refused, e.g. `wrong_type`, "
                       "`too_large`, `pdf_broken`, `infected` (the virus scanner found harmful "
                       "content)."})


class FilingErrorSchema(Schema):
    """An error about a filing's data: with `invalid_data` or `invalid_request`, `fields`
    lists each field that cannot be taken (by its form field name); with `not_ready`,
    `problems` lists what the check before filing found."""

    error = ma.Nested(FilingErrorDetail, required=True)


# --- filings --------------------------------------------------------------------------------------

class FilingListArgs(Schema):
    status = Text(validate=validate.OneOf(STATUSES))
    kind = Text(validate=validate.OneOf(KINDS))
    type = Text(validate=validate.Length(min=1, max=40))
    page = ma.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID))
    per_page = ma.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class FeeLineOut(Schema):
    code = ma.String(required=True)
    label = ma.String(required=True)
    quantity = ma.Integer(required=True)
    amount = ma.String(required=True, metadata={"description": "A decimal number."})


class FeesOut(Schema):
    currency = ma.String(required=True)
    total = ma.String(required=True, metadata={"description": "A decimal number."})
    lines = ma.List(ma.Nested(FeeLineOut), required=True)


class DocumentOut(Schema):
    id = ma.Integer(required=True)
    slot = ma.String(required=True)
    kind = ma.String(required=True)
    filename = ma.String(required=True)
    media_type = ma.String(required=True)
    size = ma.Integer(required=True)
    sha256 = ma.String(required=True)
    pages = ma.Integer(allow_none=True)


class FilingSummary(Schema):
    id = ma.Integer(required=True)
    uuid = ma.String(required=True)
    kind = ma.String(required=True, validate=validate.OneOf(KINDS))
    type = ma.String(required=True, metadata={
        "description": "application, or a request type (GET /api/v1/filing-forms)."})
    status = ma.String(required=True, validate=validate.OneOf(STATUSES))
    reference = ma.String(allow_none=True)
    title = ma.String(allow_none=True)
    portal_number = ma.String(allow_none=True)
    office_number = ma.String(allow_none=True)
    problems = ma.Integer(allow_none=True, metadata={
        "description": "How many problems the last save found; 0: ready to file."})
    created_at = ma.DateTime(required=True)
    updated_at = ma.DateTime(required=True)
    submitted_at = ma.DateTime(allow_none=True)
    accepted_at = ma.DateTime(allow_none=True)


class FilingOut(FilingSummary):
    data = ma.Dict(required=True, metadata={"description": DATA_HELP})
    documents = ma.List(ma.Nested(DocumentOut), required=True)
    fees = ma.Nested(FeesOut, allow_none=True, metadata={
        "description": "A draft's fees as the tariff prices them today; after checkout, the "
                       "fees frozen on the order."})


class FilingPage(Schema):
    items = ma.List(ma.Nested(FilingSummary), required=True)
    page = ma.Integer(required=True)
    per_page = ma.Integer(required=True)
    total = ma.Integer(required=True)


class FilingIn(Schema):
    kind = Text(required=True, validate=validate.OneOf(KINDS))
    type = Text(load_default="application", validate=validate.Length(min=1, max=40))
    number = Text(validate=validate.Length(max=40), metadata={
        "description": "Requests: the office number of the right, filled in from what the "
                       "portal knows of it (as the web's Requests page does)."})
    notification_id = ma.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "Responses: the notification answered."})
    data = ma.Dict(load_default=dict, metadata={"description": DATA_HELP})


class FilingDataIn(Schema):
    data = ma.Dict(required=True, metadata={"description": DATA_HELP})


class Upload(Schema):
    slot = Text(required=True, validate=validate.Length(min=1, max=60), metadata={
        "description": "A document slot of the form (GET /api/v1/filing-forms/{kind}/{type}), "
                       "or designs-<n>-views for the views of design n (from 0)."})
    file = UploadField(required=True, metadata={
        "description": "The file; checked by its content, not its name."})


class CheckOut(Schema):
    ready = ma.Boolean(required=True)
    problems = ma.List(ma.Nested(ProblemOut), required=True)


# --- forms ----------------------------------------------------------------------------------------

class FormTypeOut(Schema):
    type = ma.String(required=True)
    label = ma.String(required=True)
    kinds = ma.List(ma.String(), required=True)


class FormTypesOut(Schema):
    types = ma.List(ma.Nested(FormTypeOut), required=True)


class FormOut(Schema):
    kind = ma.String(required=True)
    type = ma.String(required=True)
    fields = ma.List(ma.Dict(), required=True, metadata={
        "description": "name, label, description, required, type (string, date, integer, "
                       "boolean, hidden, object, list), choices, fields (object and list of "
                       "objects), max_entries."})
    documents = ma.List(ma.Dict(), required=True)


# --- cart and checkout ----------------------------------------------------------------------------

class CartItemIn(Schema):
    filing_id = ma.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class CartLineOut(Schema):
    filing_id = ma.Integer(required=True)
    kind = ma.String(required=True)
    type = ma.String(required=True)
    title = ma.String(allow_none=True)
    reference = ma.String(allow_none=True)
    ready = ma.Boolean(required=True)
    problems = ma.List(ma.Nested(ProblemOut), required=True)
    fees = ma.Nested(FeesOut, required=True)


class CartOut(Schema):
    items = ma.List(ma.Nested(CartLineOut), required=True)
    currency = ma.String(allow_none=True)
    total = ma.String(required=True, metadata={"description": "Of the ready items."})


class CheckoutIn(Schema):
    method = Text(load_default="deposit_account",
                           validate=validate.OneOf(["deposit_account"]))
    key = Text(validate=validate.Length(min=8, max=200), metadata={
        "description": "The idempotency key, if not sent as the Idempotency-Key header."})


class OrderItemOut(Schema):
    filing_id = ma.Integer(required=True)
    kind = ma.String(required=True)
    type = ma.String(required=True)
    reference = ma.String(allow_none=True)
    status = ma.String(required=True)
    portal_number = ma.String(allow_none=True)
    total = ma.String(required=True)


class OrderOut(Schema):
    id = ma.Integer(required=True)
    number = ma.String(required=True)
    state = ma.String(required=True)
    method = ma.String(required=True)
    currency = ma.String(required=True)
    total = ma.String(required=True)
    created_at = ma.DateTime(required=True)
    paid_at = ma.DateTime(allow_none=True)
    items = ma.List(ma.Nested(OrderItemOut), required=True)


class CheckoutOut(Schema):
    created = ma.Boolean(required=True, metadata={
        "description": "False when this key's checkout had already been done: the same order."})
    order = ma.Nested(OrderOut, required=True)
