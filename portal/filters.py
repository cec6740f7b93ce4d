"""Jinja filters of the portal."""

from __future__ import annotations

import re

from flask import request
from markupsafe import Markup, escape

_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify_own(text: str) -> Markup:
    """Escape `text` and make links of the URLs that point at this portal, and only those."""
    own = request.host_url
    out, last = [], 0
    escaped = str(escape(text))
    for match in _URL.finditer(escaped):
        url = match.group(0)
        out.append(escaped[last:match.start()])
        if url.startswith(own):
            out.append(f'<a href="{url}">{url}</a>')
        else:
            out.append(url)
        last = match.end()
    out.append(escaped[last:])
    return Markup("".join(out))


def register(app) -> None:
    app.jinja_env.filters["linkify_own"] = linkify_own
