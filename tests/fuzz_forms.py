"""The forms of the portal's pages as a browser sees them, and what hostile input to post to them
(tests/test_form_fuzz.py): the page's HTML is read for its forms' fields (inputs, selects,
textareas, named buttons, with their values and choices), and hypothesis strategies build the
posts a person, a broken client or an attacker could send: the page's own values with some of
them replaced by random or oversized text, wrong types, unknown choices, lists, control and
bidirectional characters, NUL, missing and unknown fields, random files; or a raw body with
invalid UTF-8 and overlong percent-encodings."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urlsplit

from hypothesis import strategies as st

# --- the page's forms ---------------------------------------------------------------------------

TEXT_TYPES = {"text", "email", "password", "search", "tel", "url", "number", "date", "hidden",
              "datetime-local", "month", "time", "week", "color", "range", ""}


@dataclass
class Field:
    name: str
    kind: str  # an input type, "select", "textarea" or "submit"
    value: str = ""  # what the browser would send as the page stands
    options: list[str] = field(default_factory=list)  # a select's, a radio group's, buttons'
    sent: bool = True  # an unchecked checkbox or radio sends nothing
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, new: Field) -> None:
        old = self.fields.get(new.name)
        if old is None:
            self.fields[new.name] = new
            return
        old.options += [o for o in new.options if o not in old.options]
        if new.sent and not old.sent:
            old.value, old.sent = new.value, True

    def baseline(self) -> dict[str, str]:
        """What a browser would post without anything typed (the first named button)."""
        return {f.name: f.value for f in self.fields.values() if f.sent}


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path, self.forms, self.form = page_path, [], None
        self.select: Field | None = None
        self.option: str | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = urlsplit(a.get("action") or self.page_path).path
            self.form = Form(action, a.get("method", "get").lower(),
                             "multipart" in a.get("enctype", ""))
            self.forms.append(self.form)
        if self.form is None or (tag not in ("input", "select", "option", "textarea", "button")):
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")
                self.form.add(Field(name, kind, value, [value], sent="checked" in a))
            elif kind in ("submit", "image"):
                self.form.add(Field(name, "submit", a.get("value", ""), [a.get("value", "")]))
            elif kind not in ("reset", "button"):
                self.form.add(Field(name, kind, a.get("value", ""), sent=kind != "file"))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self.form.add(Field(name, "submit", a.get("value", ""), [a.get("value", "")]))
        elif tag == "select" and name:
            self.select = Field(name, "select", sent=True)
            self.select.multiple = "multiple" in a
        elif tag == "option" and self.select is not None:
            self.option = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea")

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None or (self.select is not None and hasattr(self, "_option_text")):
            self._option_text = getattr(self, "_option_text", "") + data

    def handle_endtag(self, tag):
        if tag == "option" and self.select is not None and hasattr(self, "_option_text"):
            value = self.option if self.option is not None else self._option_text.strip()
            self.select.options.append(value)
            if self._option_selected or (not self.select.value and len(self.select.options) == 1
                                         and not self.select.multiple):
                self.select.value = value
            self.option = None
            del self._option_text
        elif tag == "select" and self.select is not None:
            if self.select.multiple and not self.select.value:
                self.select.sent = False
            self.form.add(self.select)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.form.add(self.textarea)
            self.textarea = None
        elif tag == "form":
            self.form = None


def forms_of(html: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return [f for f in parser.forms if f.method == "post"]


def form_posting_to(html: str, page_path: str, action: str) -> Form | None:
    """The page's form that posts to `action` (the first, when several do: a page's forms that
    post to one address, such as the notification list's "Archive" buttons, are alike)."""
    matching = [f for f in forms_of(html, page_path) if f.action == action]
    if not matching:
        return None
    merged = matching[0]
    for other in matching[1:]:  # e.g. the refund page's per-item and whole-order forms
        for f in other.fields.values():
            merged.add(Field(f.name, f.kind, f.value, list(f.options), sent=False))
    return merged


# --- hostile values -----------------------------------------------------------------------------

NASTY = [
    "\x00", "a\x00b", "\x00" * 50, "\x01\x02\x03\x07\x08\x0b\x0c\x1b\x7f", "\r\n\r\nX-Injected: 1",
    "\u202e\u202dabc\u200f\u200e\u2066\u2069", "e\u0301\u0301\u0301\u0301\u0301" * 50,
    "\U0001f600\U0001f469\u200d\U0001f469\u200d\U0001f467\U0001f1f0\U0001f1ed",
    "\ufeff\ufffe\uffff",
    "\ud7ff\ue000\U0010ffff", "\u0085\u2028\u2029", "\u00a0\u3000\u2003 ", "ﷺ" * 200,
    "<script>alert(1)</script>", "'; DROP TABLE users; --", "{{ 7*7 }}", "%(x)s %s {0}",
    "../../../../etc/passwd", "A" * 5000, "x" * 100_000, "-1", "0", "1e308", "NaN", "Infinity",
    "-0.000000001", "99999999999999999999999999999999", "0x1F", "1,2", "1.2.3", "٣٫١٤", "१२३",
    "2026-02-30", "31/13/2026", "0000-00-00", "9999-12-31", "1900-01-01", "-2026-01-01",
    "true", "null", "[]", "{}", "None", " ", "\t", "",
]
SIZES = (100_000, 300_000, 2_000_000)  # below and above the form memory limit (256 kB)


def oversized() -> st.SearchStrategy[str]:
    return st.builds(lambda char, size: char * size,
                     st.sampled_from(["a", "\x00", "é", "\U0001f600", "1"]),
                     st.sampled_from(SIZES))


def long_word() -> st.SearchStrategy[str]:
    return st.builds(lambda char, size: char * size, st.sampled_from(["W", "ش", "字"]),
                     st.integers(256, 4000))


def any_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=60),
        st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Mn", "Zl", "Zp", "So")),
                max_size=40),
        st.sampled_from(NASTY),
        long_word(),
        oversized(),
    )


def value_for(f: Field) -> st.SearchStrategy[str]:
    """A wrong or hostile value of the field's kind (or any)."""
    typed = {
        "number": st.one_of(st.integers(-(10**30), 10**30).map(str),
                            st.floats(allow_nan=True).map(str)),
        "date": st.one_of(st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                          st.sampled_from(["2026-02-30", "31/12/99999", "1/1/1", "٠١/٠١/٢٠٢٦"])),
        "email": st.sampled_from(["a@b", "@", "a" * 300 + "@example.org", "a\x00@example.org",
                                  "x@[127.0.0.1]", "é@é.é"]),
    }.get(f.kind)
    choices = [o for o in f.options if o is not None]
    picks = [any_text()]
    if typed is not None:
        picks.append(typed)
    if choices:
        picks.append(st.sampled_from(choices))
        picks.append(st.sampled_from(choices).map(lambda c: c + "x"))
    return st.one_of(*picks)


def upload() -> st.SearchStrategy[tuple]:
    """A file part: random or empty bytes, a PDF-looking head, a wrong type, a strange name."""
    content = st.one_of(st.binary(max_size=2000), st.just(b""),
                        st.binary(max_size=200).map(lambda b: b"%PDF-1.7\n" + b),
                        st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
                        st.integers(1, 3).map(lambda n: b"%PDF-1.4\n" + b"0" * (n * 400_000)))
    name = st.one_of(st.sampled_from(["a.pdf", "", ".pdf", "x.PDF", "a.exe", "a.pdf.exe",
                                      "../../x.pdf", "a\x00.pdf", "\u202egnp.pdf",
                                      "\U0001f600.pdf", "con.pdf"]),
                     st.integers(200, 5000).map(lambda n: "n" * n + ".pdf"),
                     st.text(max_size=30))
    ctype = st.sampled_from(["application/pdf", "application/octet-stream", "text/html",
                             "image/png", "application/x-msdownload", "multipart/form-data",
                             "\x00/\x00"])
    return st.tuples(content, name, ctype)


@dataclass
class Post:
    """One hostile request: a form body (`data`, lists allowed) or a raw body."""

    data: dict | None = None
    raw: bytes | None = None
    multipart: bool = False

    def send(self, client, url: str):
        if self.raw is not None:
            return client.post(url, data=self.raw, buffered=True,
                               content_type="application/x-www-form-urlencoded")
        def part(value):
            if isinstance(value, tuple):
                content, filename, ctype = value
                return io.BytesIO(content), filename, ctype
            return value

        data = {name: [part(v) for v in value] if isinstance(value, list) else part(value)
                for name, value in (self.data or {}).items()}
        kwargs = {"content_type": "multipart/form-data"} if self.multipart else {}
        return client.post(url, data=data, buffered=True, **kwargs)

    def _repr_pretty_(self, printer, cycle) -> None:  # hypothesis's printer, kept short
        printer.text(repr(self))

    def __repr__(self) -> str:  # hypothesis prints the failing example: keep it readable
        def short(v):
            text = repr(v)
            return text if len(text) < 200 else f"{text[:120]}...<{len(text)} chars>"
        if self.raw is not None:
            return f"Post(raw={short(self.raw)})"
        body = {k: short(v) for k, v in (self.data or {}).items()}
        return f"Post(multipart={self.multipart}, data={body})"


def _raw_body(csrf: str, form: Form) -> st.SearchStrategy[bytes]:
    """A urlencoded body that is not what a browser sends: invalid UTF-8 bytes, overlong
    UTF-8 sequences (%C0%AF for "/", %E0%80%80 and %C0%80 for NUL), lone surrogates' bytes,
    broken percent escapes, and repeated names."""
    bad = st.sampled_from([b"%FF%FE", b"%C0%AF", b"%C0%80", b"%E0%80%80", b"%ED%A0%80",
                           b"%F4%90%80%80", b"%", b"%G1", b"%00", b"\xff\xfe", b"+%2B+",
                           b"&&&==", b"%25%30%30"])
    names = list(form.fields) or ["x"]

    def build(pairs, tail):
        parts = [b"csrf_token=" + quote_from_bytes(csrf.encode()).encode()]
        for name, junk in pairs:
            parts.append(quote_from_bytes(name.encode()).encode() + b"=" + junk)
        return b"&".join(parts) + tail

    pair = st.tuples(st.sampled_from(names), st.lists(bad, min_size=1, max_size=4).map(b"".join))
    return st.builds(build, st.lists(pair, min_size=1, max_size=6),
                     st.sampled_from([b"", b"&", b"&=", b"&%FF=%FF"]))


@st.composite
def hostile_post(draw, form: Form, csrf: str) -> Post:
    if draw(st.integers(0, 9)) == 0:
        return Post(raw=draw(_raw_body(csrf, form)))
    data: dict = {}
    for f in form.fields.values():
        if f.name == "csrf_token":
            continue
        how = draw(st.sampled_from(["keep", "keep", "replace", "replace", "missing", "list"]))
        if how == "missing":
            continue
        if f.kind == "file":
            if how != "keep":
                data[f.name] = draw(upload()) if how == "replace" else [draw(upload())] * 2
            continue
        if how == "keep":
            if f.sent:
                data[f.name] = f.value
        elif how == "replace":
            data[f.name] = draw(value_for(f))
        else:
            data[f.name] = draw(st.lists(value_for(f), min_size=2, max_size=4))
    for _ in range(draw(st.integers(0, 2))):  # fields the form does not know
        data[draw(st.text(min_size=1, max_size=20))] = draw(any_text())
    data["csrf_token"] = csrf
    has_file = any(isinstance(v, tuple) for v in data.values())
    return Post(data=data, multipart=has_file or form.multipart or draw(st.booleans()))
