"""A trademark or design application as WIPO ST.96 XML (version 6.0), for back offices that
import it: `tmk:TrademarkApplication` or `dgn:DesignApplication`.

Built from the filing's stored form, like the interchange JSON; the schemas it validates against
are shipped in portal/data/st96. The portal number is the number the application was received
under (`com:ApplicationNumber` of a trademark, `dgn:ReceiptNumber` of a design); the office's own
number is added, with the office's ST.3 code, once the office has given it. Files are named as
uploaded; `com:DocumentLocationURI` says where the API serves their bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import select

from forms.parts.goods import split_terms
from payments.models import OrderItem
from portal.extensions import db
from portal.filings.models import Filing
from portal.local_script import local_language, script_of
from portal.office.models import Office, current_office

NS = {"com": "http://www.wipo.int/standards/XMLSchema/ST96/Common",
      "tmk": "http://www.wipo.int/standards/XMLSchema/ST96/Trademark",
      "dgn": "http://www.wipo.int/standards/XMLSchema/ST96/Design"}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

ST96_VERSION = "V6_0"
SOFTWARE = "filing-portal"
NICE_VERSION = "13-2026"  # the edition of portal/data/nice_classes.json
LOCARNO_EDITION = "15"  # in force since 1 January 2025
MARK_FEATURES = {"word": "Word", "figurative": "Figurative", "combined": "Combined",
                 "three_dimensional": "Three dimensional", "colour": "Colour", "sound": "Sound",
                 "position": "Position", "pattern": "Other", "hologram": "Hologram",
                 "motion": "Motion", "multimedia": "Multimedia"}
MARK_CATEGORIES = {"individual": "Individual mark", "collective": "Collective mark",
                   "certification": "Certification mark"}
FILE_FORMATS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
SOUND_FORMATS = {"audio/mpeg": "MP3", "audio/wav": "WAV", "audio/x-wav": "WAV",
                 "audio/vnd.wave": "WAV"}
# The fee reductions ST.96 can say (for designs only); the others have no category.
BUSINESS_STATUS = {"standard": "Undiscounted", "small_entity": "Small"}
# ST.96 has no category for a bank transfer: it is left out.
PAYMENT_MODES = {"deposit_account": "Current account", "stripe": "Card"}
OFFICE_SLOTS = {"notification"}  # documents the office sent: not part of the application


class St96NotAvailable(Exception):
    """The filing's kind and type have no ST.96 application document (patents, requests)."""


def st96_xml(filing: Filing) -> bytes:
    """The filing as an ST.96 application document, UTF-8 encoded."""
    from portal.filings.services import stored_form

    build = BUILDERS.get((filing.kind.value, filing.filing_type))
    if build is None:
        raise St96NotAvailable(f"ST.96 has no application document for a {filing.kind.value} "
                               f"{filing.filing_type}")
    office = current_office()
    if office is None:
        raise St96NotAvailable("no office is configured")
    root = build(filing, stored_form(filing), office)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


# --- the two documents ---------------------------------------------------------------------------

def trademark_application(filing: Filing, form, office: Office) -> ET.Element:
    root = _el("tmk:TrademarkApplication", {"com:st96Version": ST96_VERSION})
    sub(sub(root, "com:RequestSoftware"), "com:RequestSoftwareName", SOFTWARE)
    _documents(root, filing)
    mark = sub(sub(root, "tmk:TrademarkBag"), "tmk:Trademark")
    sub(mark, "com:RegistrationOfficeCode", office.country_code)
    sub(mark, "com:ReceivingOfficeCode", office.country_code)
    sub(mark, "com:ReceivingOfficeDate", _filing_date(filing, office))
    _application_number(mark, filing.portal_number)
    if filing.office_number:
        _application_number(mark, filing.office_number, office.country_code)
    sub(mark, "com:ApplicationDate", _filing_date(filing, office))
    sub(mark, "com:ApplicantFileReference", filing.reference)
    sub(mark, "tmk:MarkCategory", MARK_CATEGORIES.get(form.category.data))
    _mark_representation(mark, filing, form)
    if _text(form.disclaimer.data):
        sub(sub(mark, "tmk:MarkDisclaimerBag"), "tmk:MarkDisclaimerText", form.disclaimer.data,
            {"com:sequenceNumber": "1"})
    _goods_services(mark, form)
    _priorities(mark, form, "tmk")
    _parties(sub(mark, "tmk:ApplicantBag"), "tmk:Applicant", form.applicants.filled(),
             design=False)
    _representative(mark, filing, office)
    _payment(root, filing, office)
    return root


def design_application(filing: Filing, form, office: Office) -> ET.Element:
    root = _el("dgn:DesignApplication", {"com:st96Version": ST96_VERSION})
    sub(sub(root, "com:RequestSoftware"), "com:RequestSoftwareName", SOFTWARE)
    designs = form.designs.filled()
    sub(root, "com:RegistrationOfficeCode", office.country_code)
    sub(root, "com:ReceivingOfficeCode", office.country_code)
    sub(root, "com:ReceivingOfficeDate", _filing_date(filing, office))
    sub(root, "dgn:ReceiptNumber", filing.portal_number)
    if filing.office_number:
        _application_number(root, filing.office_number, office.country_code)
    sub(root, "com:ApplicantFileReference", filing.reference)
    sub(root, "dgn:DesignTotalQuantity", str(len(designs)))
    bag = sub(root, "dgn:DesignBag")
    applicants = form.applicants.filled()
    for number, entry in enumerate(designs, 1):
        _design(sub(bag, "dgn:Design"), number, entry.form, filing, form, len(applicants))
    _parties(sub(root, "dgn:ApplicantBag"), "dgn:Applicant", applicants, design=True)
    _representative(root, filing, office)
    _documents(root, filing)
    _payment(root, filing, office)
    sub(root, "com:ApplicationDate", _filing_date(filing, office))
    sub(root, "com:BusinessEntityStatusCategory", BUSINESS_STATUS.get(form.fee_category.data))
    return root


BUILDERS = {("trademark", "application"): trademark_application,
            ("design", "application"): design_application}


# --- trademark parts -----------------------------------------------------------------------------

def _mark_representation(mark: ET.Element, filing: Filing, form) -> None:
    mark_type = form.mark_type.data
    words, image = _text(form.mark_text.data), _slot_document(filing, "mark_image")
    sound = _slot_document(filing, "sound_file")
    if not (words or image or sound):
        return  # a reproduction is required, and there is nothing to reproduce
    representation = sub(mark, "tmk:MarkRepresentation")
    sub(representation, "tmk:MarkFeatureCategory", MARK_FEATURES.get(mark_type))
    reproduction = sub(representation, "tmk:MarkReproduction")
    if words:
        spec = sub(reproduction, "tmk:WordMarkSpecification")
        sub(spec, "tmk:MarkVerbalElementText", words)
        sub(spec, "tmk:MarkSignificantVerbalElementText", words)
        sub(spec, "tmk:MarkTranslationText", _text(form.translation.data),
            {"com:languageCode": "en", "com:sequenceNumber": "1"})
        sub(spec, "tmk:MarkTransliteration", _text(form.transliteration.data))
        sub(spec, "tmk:MarkStandardCharacterIndicator", "true" if mark_type == "word" else None)
    if image:
        picture = sub(sub(reproduction, "tmk:MarkImageBag"), "tmk:MarkImage",
                      attrs={"com:sequenceNumber": "1"})
        sub(picture, "com:FileName", image.filename)
        sub(picture, "com:ImageFormatCategory", FILE_FORMATS.get(image.media_type))
        sub(picture, "tmk:MarkImageColourClaimedText", _text(form.colours.data),
            {"com:sequenceNumber": "1"})
        _size(picture, image)
    if sound:
        clip = sub(sub(reproduction, "tmk:MarkSoundBag"), "tmk:MarkSound")
        sub(clip, "com:FileName", sound.filename)
        sub(clip, "tmk:SoundFileFormatCategory", SOUND_FORMATS.get(sound.media_type))
    if _text(form.description.data):
        sub(sub(representation, "tmk:MarkDescriptionBag"), "tmk:MarkDescriptionText",
            form.description.data)


def _goods_services(mark: ET.Element, form) -> None:
    classes = [(e.form.class_number.data, split_terms(e.form.terms.data))
               for e in form.goods.filled() if e.form.class_number.data]
    if not classes:
        return
    goods = sub(sub(mark, "tmk:GoodsServicesBag"), "tmk:GoodsServices")
    kinds = sub(goods, "tmk:GoodsServicesClassificationBag")
    for number, _terms in classes:
        kind = sub(kinds, "tmk:GoodsServicesClassification")
        sub(kind, "tmk:ClassificationKindCode", "Nice")
        sub(kind, "com:ClassificationVersion", NICE_VERSION)
        sub(kind, "tmk:ClassNumber", number)
    descriptions = sub(goods, "tmk:ClassDescriptionBag")
    for number, terms in classes:
        description = sub(descriptions, "tmk:ClassDescription")
        sub(description, "tmk:ClassNumber", number)
        sub(description, "tmk:GoodsServicesDescriptionText", "; ".join(terms),
            {"com:sequenceNumber": "1"})
        bag = sub(description, "tmk:ClassificationTermBag") if terms else None
        for term in terms:
            sub(sub(bag, "tmk:ClassificationTerm"), "tmk:ClassificationTermText", term)


# --- design parts --------------------------------------------------------------------------------

def _design(design: ET.Element, number: int, entry, filing: Filing, form,
            applicants: int) -> None:
    sub(design, "dgn:DesignIdentifier", str(number))
    sub(design, "dgn:DesignReference", entry.key.data)
    sub(design, "dgn:DesignTitleText", _text(entry.title.data))
    sub(design, "dgn:DesignDescriptionText", _text(entry.description.data),
        {"com:sequenceNumber": "1"})
    if form.deferment.data:
        sub(design, "dgn:PublicationDefermentIndicator", "true")
        if form.deferment_months.data:
            sub(design, "dgn:DefermentPeriod", str(form.deferment_months.data),
                {"com:periodCategory": "In month"})
    _views(design, number, [d for d in filing.documents
                            if d.slot == f"design:{entry.key.data}"])
    _locarno(design, form)
    _priorities(design, form, "dgn")
    refs = sub(sub(design, "dgn:ApplicantBag"), "com:PartyIdentifierBag")
    for index in range(1, applicants + 1):
        sub(refs, "com:PartyIdentifier", f"applicant-{index}")
    designers = form.designers.filled()
    bag = sub(design, "dgn:DesignerBag") if designers else None
    for index, person in enumerate(designers, 1):
        designer = sub(bag, "dgn:Designer", attrs={"com:sequenceNumber": str(index)})
        sub(designer, "com:NationalityCode", person.form.nationality.data or None)
        _contact(designer, person.form, entity=False)


def _views(design: ET.Element, number: int, views: list) -> None:
    """The design's views, numbered as in a Hague application: 1.1, 1.2, 2.1..."""
    if not views:
        return
    bag = sub(sub(sub(design, "dgn:DesignRepresentationBag"), "dgn:DesignRepresentation"),
              "dgn:ViewBag")
    for index, document in enumerate(views, 1):
        view = sub(bag, "dgn:View")
        sub(view, "com:FileName", document.filename)
        sub(view, "dgn:ViewIdentifier", f"{number}.{index}")
        sub(view, "dgn:ViewFileFormatCategory", FILE_FORMATS.get(document.media_type))
        _size(view, document)


def _locarno(design: ET.Element, form) -> None:
    locarno = sub(sub(design, "com:DesignClassificationBag"), "com:LocarnoClassificationBag")
    sub(locarno, "com:LocarnoClassificationEdition", LOCARNO_EDITION)
    classification = sub(locarno, "com:LocarnoClassification")
    sub(classification, "com:LocarnoClass", _two_digits(form.locarno_class.data))
    subclass = sub(classification, "com:LocarnoSubclassBag")
    sub(subclass, "com:LocarnoSubclass", _two_digits(form.locarno_subclass.data))
    sub(subclass, "com:LocarnoSubclassProductIndicationText", _text(form.products.data),
        {"com:sequenceNumber": "1"})


def _two_digits(value: str | None) -> str | None:
    value = (value or "").strip()
    return value.zfill(2) if value.isdigit() else value or None


# --- parts of both -------------------------------------------------------------------------------

def _parties(bag: ET.Element, tag: str, entries: Iterable, *, design: bool) -> None:
    """Applicants. A design's applicants carry an identifier its designs refer to."""
    for index, entry in enumerate(entries, 1):
        party, applicant = entry.form, sub(bag, tag, attrs={"com:sequenceNumber": str(index)})
        entity = party.kind.data == "entity"
        codes = [("com:NationalityCode", None if entity else party.nationality.data or None),
                 ("com:IncorporationCountryCode",
                  party.state_of_incorporation.data or None if entity else None)]
        if design:
            for name, code in codes:
                sub(applicant, name, code)
            sub(applicant, "com:PartyIdentifier", f"applicant-{index}")
        _contact(applicant, party, entity=entity)
        if not design:
            for name, code in codes:
                sub(applicant, name, code)


def _contact(parent: ET.Element, party, *, entity: bool) -> None:
    contact = sub(parent, "com:Contact")
    name = sub(contact, "com:Name")
    local = _text(party.name_local.data)
    if entity:
        holder = sub(name, "com:OrganizationName")
        sub(holder, "com:OrganizationStandardName", _text(party.name.data))
    else:
        holder = sub(name, "com:PersonName")
        sub(holder, "com:PersonFullName", _text(party.name.data))
    # The name in the local script: the Latin name written in the office's local script.
    sub(holder, "com:TransliterationName", local, _local_tags(script=True))
    country = party.country.data or None
    addresses = [(text, tags) for text, tags in
                 ((party.address.data, {}), (_field(party, "address_local"), _local_tags()))
                 if _text(text)]
    if addresses:
        bag = sub(contact, "com:PostalAddressBag")
        for text, tags in addresses:
            _postal_address(sub(bag, "com:PostalAddress"), text, country, tags)
    if _text(_field(party, "email")):
        sub(sub(contact, "com:EmailAddressBag"), "com:EmailAddressText", _field(party, "email"))
    if _text(_field(party, "phone")):
        sub(sub(contact, "com:PhoneNumberBag"), "com:PhoneNumber", _field(party, "phone"))


def _field(form, name: str):
    """A field's value, or None when the sub-form has no such field (designers: no email)."""
    return form[name].data if name in form._fields else None


def _local_tags(*, script: bool = False) -> dict:
    """The attributes of a value in the office's local language: its ISO 639-1 code and, for a
    name, the ISO 15924 code of the script it is written in; none when the office set no local
    language."""
    language = local_language()
    code = (language or "").split("_")[0]
    if len(code) != 2:
        return {}
    tags = {"com:languageCode": code}
    if script and script_of(language):
        tags["com:transliterationScriptName"] = script_of(language)
    return tags


def _postal_address(address: ET.Element, text: str, country: str | None,
                    tags: dict | None = None) -> None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if country is None:
        for number, line in enumerate(lines, 1):
            sub(address, "com:PostalAddressText", line, {"com:sequenceNumber": str(number)})
        return
    structured = sub(address, "com:PostalStructuredAddress", attrs=tags)
    for number, line in enumerate(lines, 1):
        sub(structured, "com:AddressLineText", line, {"com:sequenceNumber": str(number)})
    sub(structured, "com:CountryCode", country)


def _representative(parent: ET.Element, filing: Filing, office: Office) -> None:
    """The agent who filed, as the interchange form has it."""
    agent = filing.owner
    if agent.role.value != "agent":
        return
    representative = sub(sub(parent, "com:RepresentativeBag"), "com:Representative",
                         attrs={"com:sequenceNumber": "1"})
    sub(representative, "com:PartyIdentifier", agent.agent_number,
        {"com:officeCode": office.country_code,
         "com:partyIdentifierCategory": "Professional registration number"})
    contact = sub(representative, "com:Contact")
    name = sub(contact, "com:Name")
    sub(sub(name, "com:PersonName"), "com:PersonFullName", agent.full_name)
    firm = agent.firm.name if agent.firm else agent.organisation
    if firm:
        sub(sub(name, "com:OrganizationName"), "com:OrganizationStandardName", firm)
    sub(sub(contact, "com:EmailAddressBag"), "com:EmailAddressText", agent.email)
    sub(representative, "com:RepresentativeCategory", "Professional representative")


def _priorities(parent: ET.Element, form, prefix: str) -> None:
    claims = [e.form for e in form.priorities.filled()]
    bag = sub(parent, f"{prefix}:PriorityBag") if claims else None
    for claim in claims:
        priority = sub(bag, f"{prefix}:Priority")
        sub(priority, "com:PriorityCountryCode", claim.office.data or None)
        if _text(claim.number.data):
            sub(sub(priority, "com:ApplicationNumber"), "com:ApplicationNumberText",
                claim.number.data.strip())
        sub(priority, "com:PriorityApplicationFilingDate",
            claim.filed_on.data.isoformat() if claim.filed_on.data else None)
        sub(priority, "com:PriorityStatusCategory", "Claimed")


def _documents(parent: ET.Element, filing: Filing) -> None:
    documents = [d for d in filing.documents if d.slot not in OFFICE_SLOTS]
    bag = sub(parent, "com:DocumentIncludedBag") if documents else None
    for document in documents:
        included = sub(bag, "com:DocumentIncluded", attrs={"com:id": f"document-{document.id}"})
        sub(included, "com:DocumentName", document.kind)
        sub(included, "com:FileName", document.filename)
        sub(included, "com:DocumentFormatCategory", FILE_FORMATS.get(document.media_type))
        sub(included, "com:DocumentMediaCategory", "File")
        sub(included, "com:DocumentLocationURI",
            url_for("api.SubmissionDocument", submission_id=filing.id, document_id=document.id,
                    _external=True))
        sub(included, "com:DocumentSizeQuantity", str(document.size), {"com:unitCode": "byte"})


def _payment(parent: ET.Element, filing: Filing, office: Office) -> None:
    item = db.session.scalar(select(OrderItem).where(OrderItem.filing_id == filing.id)
                             .order_by(OrderItem.id.desc()).limit(1))
    if item is None:
        return
    order, currency = item.order, {"com:currencyCode": item.order.currency}
    payment = sub(sub(parent, "com:PaymentBag"), "com:Payment")
    sub(payment, "com:PaymentIdentifier", order.number)
    sub(payment, "com:PaymentReference",
        order.payment.provider_reference if order.payment else None)
    sub(payment, "com:PaymentModeCategory", PAYMENT_MODES.get(order.method))
    if order.paid_at:
        sub(payment, "com:PaymentStatusCategory", "Done")
        sub(payment, "com:PaymentDate", _local_date(order.paid_at, office).isoformat())
    fees = sub(payment, "com:PaymentFeeBag") if item.fees else None
    for fee in item.fees:
        line = sub(fees, "com:PaymentFee")
        sub(line, "com:FeeIdentifier", fee.code)
        sub(line, "com:FeeReference", fee.label)
        sub(line, "com:BasicFeeAmount", str(fee.amount), currency)
        sub(line, "com:FeeUnitQuantity", str(fee.quantity), {"com:unitCode": "unit"})
        sub(line, "com:FeeUnitAmount", str(fee.unit_amount), currency)
    sub(payment, "com:FeePayableTotalAmount", str(item.total), currency)
    if order.paid_at:
        sub(payment, "com:FeePaidTotalAmount", str(item.total), currency)


def _application_number(parent: ET.Element, number: str, office_code: str | None = None):
    application = sub(parent, "com:ApplicationNumber")
    sub(application, "com:IPOfficeCode", office_code)
    sub(application, "com:ApplicationNumberText", number)


def _filing_date(filing: Filing, office: Office) -> str | None:
    """The day the filing was accepted, in the office's time zone."""
    return _local_date(filing.accepted_at, office).isoformat() if filing.accepted_at else None


def _local_date(moment, office: Office) -> date:
    return moment.astimezone(ZoneInfo(office.timezone or "UTC")).date()


def _slot_document(filing: Filing, slot: str):
    return next((d for d in filing.documents if d.slot == slot), None)


def _size(parent: ET.Element, document) -> None:
    if document.height and document.width:
        sub(parent, "com:HeightMeasure", str(document.height), {"com:measureUnitCode": "Px"})
        sub(parent, "com:WidthMeasure", str(document.width), {"com:measureUnitCode": "Px"})


# --- elements ------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry even escaped: a pasted control character must not break it.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _el(name: str, attrs: dict | None = None) -> ET.Element:
    return ET.Element(_q(name), {_q(k): v for k, v in (attrs or {}).items()})


def sub(parent: ET.Element, name: str, text: str | None = "", attrs: dict | None = None):
    """A child element; None as text leaves it out (an optional value the filing lacks)."""
    if text is None:
        return None
    element = ET.SubElement(parent, _q(name), {_q(k): v for k, v in (attrs or {}).items()})
    if text:
        element.text = NOT_XML.sub("", text)
    return element


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
