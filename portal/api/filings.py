"""/api/v1 for applicants' and agents' docketing systems: drafts, documents, the check before
filing, the cart and checkout from the deposit account.

A personal access token acts as its user, on the filings the user sees on the web, through the
same services as the pages: the same forms, checks, cart and checkout; no rules of its own.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint
from sqlalchemy import func, select
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException, NotFound

from forms.requests.registry import REQUEST_TYPES
from payments import cart as carts
from payments import services as payments
from payments.fees import calculate_fees
from payments.models import CartItem
from portal.api import filing_schemas as s
from portal.api.auth import (
    ApiError,
    ErrorSchema,
    current_api_user,
    handle_http_exception,
    require,
    token_rate_key,
)
from portal.api.filing_data import (
    InvalidData,
    data_pairs,
    describe_form,
    form_json,
    given_names,
    merge_patch,
)
from portal.api.filing_dumps import (
    cart_line_json,
    detail,
    document_json,
    order_json,
    problems_json,
    summary,
)
from portal.documents.scanner import ScanUnavailable
from portal.extensions import db, limiter
from portal.filings import services
from portal.filings.documents import (
    DocumentRejected,
    attach_upload,
    discard_document,
    upload_slot,
)
from portal.filings.models import Filing, FilingStatus, IPKind
from portal.filings.requests import start_request

parser = FlaskParser()


@parser.location_loader("form_and_files")
def _form_and_files(req, schema):
    """A multipart body's fields and files together, as one schema describes them."""
    return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class FilingsBlueprint(Blueprint):
    ARGUMENTS_PARSER = parser
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}


blp = FilingsBlueprint(
    "filings_api", __name__, url_prefix="/api/v1",
    description="Filing by API for applicants' and agents' docketing systems, with a personal "
                "access token: its user's filings only.")
blp.register_error_handler(HTTPException, handle_http_exception)
# Once, here: the blueprint is shared by every app the process creates.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=token_rate_key)(blp)

# Ids beyond the database's integers are not found, rather than an error of the database.
ID = f"int(max={s.MAX_ID})"
READ = require("filings:read", personal=True)
WRITE = require("filings:write", personal=True)
ERRORS = {400: "The body cannot be read (not JSON, not multipart).",
          401: "No valid bearer token.",
          403: "Not a filer's personal token, or the token lacks the scope.",
          404: "No filing (or item) of the token's user has this id.",
          409: "The filing is no longer a draft, or the cart or checkout refused it.",
          413: "The file is larger than the portal accepts.",
          422: "The request or the data cannot be taken; each field is listed.",
          429: "Too many requests with this token.",
          503: "The virus scanner cannot check the file just now: nothing was kept; try "
               "again later."}


def documented(*codes: int):
    """Declare the bearer security and the error answers of a view."""

    def decorate(view):
        for code in sorted({401, 403, *codes, 429}):
            schema = s.FilingErrorSchema if code == 422 else ErrorSchema
            view = blp.alt_response(code, schema=schema, description=ERRORS[code])(view)
        return blp.doc(security=[{"bearer": []}])(view)

    return decorate


# --- loading --------------------------------------------------------------------------------------

def load_filing(filing_id: int, *, draft: bool = False) -> Filing:
    try:
        filing = services.get_filing(current_api_user(), filing_id)
    except NotFound:
        raise ApiError(404, "not_found", "you have no filing with this id") from None
    if draft and not filing.is_draft:
        raise ApiError(409, "not_a_draft", "only a draft can be changed")
    return filing


# --- saving ---------------------------------------------------------------------------------------

def form_class_of(kind: IPKind, filing_type: str):
    try:
        return services.form_class(Filing(kind=kind, filing_type=filing_type))
    except KeyError:
        raise ApiError(422, "unknown_type",
                       f"there is no filing type {filing_type!r} for {kind.value}") from None


def save_data(filing: Filing, data, *, replace: bool) -> None:
    """Save `data` into the draft: all of its form (`replace`) or merged into what it holds.
    Nothing is saved when a field cannot be taken."""
    form_class = services.form_class(filing)
    if replace:
        merged, checked = data, None
    else:
        merged = merge_patch(form_json(services.stored_form(filing)), data)
        checked = given_names(form_class, data)
    try:
        pairs = data_pairs(form_class, merged, checked)
    except InvalidData as exc:
        raise ApiError(422, "invalid_data", "some fields cannot be taken",
                       fields=[{"field": e.field, "message": e.message}
                               for e in exc.errors]) from None
    services.save_draft(filing, pairs)


# --- filings --------------------------------------------------------------------------------------

@blp.route("/filings")
class Filings(MethodView):
    @READ
    @blp.arguments(s.FilingListArgs, location="query")
    @blp.response(200, s.FilingPage)
    @documented(422)
    def get(self, args):
        """The filings of the token's user (and its firm's, for an agent), latest first."""
        query = select(Filing).where(services.visible_to(current_api_user()))
        if args.get("status"):
            query = query.where(Filing.status == FilingStatus(args["status"]))
        if args.get("kind"):
            query = query.where(Filing.kind == IPKind(args["kind"]))
        if args.get("type"):
            query = query.where(Filing.filing_type == args["type"])
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        page, per_page = args["page"], args["per_page"]
        rows = db.session.scalars(query.order_by(Filing.updated_at.desc(), Filing.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page))
        return {"items": [summary(f) for f in rows], "page": page, "per_page": per_page,
                "total": total}

    @WRITE
    @blp.arguments(s.FilingIn)
    @blp.response(201, s.FilingOut)
    @documented(400, 422)
    def post(self, body):
        """A new draft of an application or a request, with `data` filled in."""
        kind = IPKind(body["kind"])
        form_class_of(kind, body["type"])
        user = current_api_user()
        if body["type"] == "application":
            filing = services.create_draft(user, kind)
        else:
            notification = body.get("notification_id")
            filing = start_request(user, body["type"], kind, body.get("number"),
                                   str(notification) if notification else None)
        save_data(filing, body["data"], replace=False)
        return detail(filing)


@blp.route(f"/filings/<{ID}:filing_id>")
class FilingView(MethodView):
    @READ
    @blp.response(200, s.FilingOut)
    @documented(404)
    def get(self, filing_id: int):
        """A filing: its data as the form holds it, documents, fees and status."""
        return detail(load_filing(filing_id))

    @WRITE
    @blp.arguments(s.FilingDataIn)
    @blp.response(200, s.FilingOut)
    @documented(400, 404, 409, 422)
    def patch(self, body, filing_id: int):
        """Change some fields of a draft (a JSON merge patch of its data)."""
        filing = load_filing(filing_id, draft=True)
        save_data(filing, body["data"], replace=False)
        return detail(filing)

    @WRITE
    @blp.arguments(s.FilingDataIn)
    @blp.response(200, s.FilingOut)
    @documented(400, 404, 409, 422)
    def put(self, body, filing_id: int):
        """Replace all of a draft's data; fields left out take the form's defaults."""
        filing = load_filing(filing_id, draft=True)
        save_data(filing, body["data"], replace=True)
        return detail(filing)

    @WRITE
    @blp.response(204)
    @documented(404, 409)
    def delete(self, filing_id: int):
        """Delete a draft and its documents."""
        services.delete_draft(load_filing(filing_id, draft=True))


@blp.route(f"/filings/<{ID}:filing_id>/documents")
class FilingDocuments(MethodView):
    @WRITE
    @blp.arguments(s.Upload, location="form_and_files")
    @blp.response(201, s.DocumentOut)
    @documented(400, 404, 409, 413, 422, 503)
    def post(self, upload, filing_id: int):
        """Upload a document into a slot of the draft, checked by its content as on the web;
        a slot that holds one document has it replaced."""
        filing = load_filing(filing_id, draft=True)
        target = upload_slot(services.stored_form(filing), upload["slot"])
        if target is None:
            raise ApiError(422, "unknown_slot",
                           f"the form has no document slot {upload['slot']!r}")
        slot, kind, multiple = target
        try:
            document = attach_upload(filing, slot, kind, upload["file"], replace=not multiple)
        except ScanUnavailable as exc:
            raise ApiError(503, "scanner_unavailable", str(exc.message)) from None
        except DocumentRejected as exc:
            raise ApiError(422, "invalid_document", str(exc.message), reason=exc.code,
                           fields=[{"field": "file", "message": str(exc.message)}]) from None
        services.save_draft(filing, list(filing.form_data))
        return document_json(document)


@blp.route(f"/filings/<{ID}:filing_id>/documents/<{ID}:document_id>")
class FilingDocument(MethodView):
    @WRITE
    @blp.response(204)
    @documented(404, 409)
    def delete(self, filing_id: int, document_id: int):
        """Remove a document from a draft."""
        filing = load_filing(filing_id, draft=True)
        document = next((d for d in filing.documents if d.id == document_id), None)
        if document is None:
            raise ApiError(404, "not_found", "the draft has no such document")
        discard_document(document)
        services.save_draft(filing, list(filing.form_data))


@blp.route(f"/filings/<{ID}:filing_id>/check")
class FilingCheck(MethodView):
    @READ
    @blp.response(200, s.CheckOut)
    @documented(404, 409)
    def get(self, filing_id: int):
        """The check before filing: every problem that stops the draft, field by field."""
        problems = services.check_filing(load_filing(filing_id, draft=True))
        return {"ready": not problems, "problems": problems_json(problems)}


# --- the forms ------------------------------------------------------------------------------------

@blp.route("/filing-forms")
class FilingForms(MethodView):
    @READ
    @blp.response(200, s.FormTypesOut)
    @documented()
    def get(self):
        """Every filing type and the kinds of right it is for."""
        types = [{"type": "application", "label": "Application",
                  "kinds": [k.value for k in IPKind]}]
        types += [{"type": code, "label": str(form.LABEL), "kinds": list(form.KINDS)}
                  for code, form in REQUEST_TYPES.items()]
        return {"types": types}


@blp.route("/filing-forms/<kind>/<filing_type>")
class FilingFormView(MethodView):
    @READ
    @blp.response(200, s.FormOut)
    @documented(404)
    def get(self, kind: str, filing_type: str):
        """The fields and document slots of one form: what `data` may hold."""
        if kind not in {k.value for k in IPKind}:
            raise ApiError(404, "not_found", f"there is no kind {kind!r}")
        try:
            form_class = form_class_of(IPKind(kind), filing_type)
        except ApiError:
            raise ApiError(404, "not_found", "there is no such form") from None
        return {"kind": kind, "type": filing_type, **describe_form(form_class)}


# --- the cart and checkout ------------------------------------------------------------------------

@blp.route("/cart")
class Cart(MethodView):
    @READ
    @blp.response(200, s.CartOut)
    @documented()
    def get(self):
        """The token's user's cart: each draft with its fees and what still stops it."""
        lines = carts.cart_lines(current_api_user())
        ready = [line for line in lines if line.ready]
        return {"items": [cart_line_json(line) for line in lines],
                "currency": lines[0].quote.currency if lines else None,
                "total": str(sum((line.quote.total for line in ready), 0))}


@blp.route("/cart/items")
class CartItems(MethodView):
    @WRITE
    @blp.arguments(s.CartItemIn)
    @blp.response(201, s.CartLineOut)
    @blp.alt_response(200, schema=s.CartLineOut, description="It was in the cart already.")
    @documented(400, 404, 409, 422)
    def post(self, body):
        """Put a draft that is ready to be filed in the cart; one that is not is refused
        with its problems (as the check lists them)."""
        user = current_api_user()
        filing = load_filing(body["filing_id"], draft=True)
        problems = services.check_filing(filing)
        if problems:
            raise ApiError(422, "not_ready", "the draft is not ready to be filed",
                           problems=problems_json(problems))
        already = db.session.scalar(select(CartItem.id).where(
            CartItem.filing_id == filing.id, CartItem.user_id == user.id))
        try:
            carts.add_to_cart(user, filing)
        except carts.CartError as exc:
            raise ApiError(409, "cart_conflict", str(exc.message)) from None
        line = carts.CartLine(filing, calculate_fees(filing), [])
        return cart_line_json(line), 200 if already else 201


@blp.route(f"/cart/items/<{ID}:filing_id>")
class CartItemView(MethodView):
    @WRITE
    @blp.response(204)
    @documented(404)
    def delete(self, filing_id: int):
        """Take a draft out of the cart (the id is the filing's); it stays a draft."""
        if not carts.remove_from_cart(current_api_user(), filing_id):
            raise ApiError(404, "not_found", "this filing is not in your cart")


def checkout_key(body: dict) -> str:
    """The order's checkout key from the client's idempotency key, unique to the user (the
    keys of two users never meet)."""
    header = request.headers.get("Idempotency-Key", "").strip()
    given = body.get("key")
    if header and given and header != given:
        raise ApiError(422, "invalid_idempotency_key",
                       "the Idempotency-Key header and the key differ")
    key = given or header
    if not 8 <= len(key) <= 200:
        raise ApiError(422, "invalid_idempotency_key",
                       "send an Idempotency-Key header (or a key) of 8 to 200 characters")
    digest = hashlib.sha256(f"{current_api_user().id}:{key}".encode()).hexdigest()
    return f"api-{digest[:60]}"


@blp.route("/checkout")
class Checkout(MethodView):
    @WRITE
    @blp.arguments(s.CheckoutIn)
    @blp.response(201, s.CheckoutOut)
    @blp.alt_response(200, schema=s.CheckoutOut,
                      description="This key's checkout was done before: the same order.")
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                          "schema": {"type": "string", "minLength": 8, "maxLength": 200},
                          "description": "Makes a retried checkout return the same order."}])
    @documented(400, 409, 422)
    def post(self, body):
        """Check out the whole cart in one order paid from the deposit account: every item
        is checked again and its fees frozen; paid at once, each filing is accepted with its
        portal number. Idempotent on the key."""
        user = current_api_user()
        key = checkout_key(body)
        try:
            result = payments.checkout(user, key, body["method"],
                                       locale=user.locale or str(get_locale()))
        except carts.CartError as exc:
            raise ApiError(409, "checkout_refused", str(exc.message)) from None
        return ({"created": result.created, "order": order_json(result.order)},
                201 if result.created else 200)
