"""Compressed responses: pages, CSS, JavaScript and JSON, in zstd, Brotli or gzip, whichever
the browser names first among those it takes (flask-compress).

A draft page with its parties' country lists and its Nice class lists is some 130 KB of HTML in
English and twice that in Khmer; compressed it is a tenth (tests/browser/test_page_weight.py).

BREACH (a secret guessed from the compressed size of pages that echo input) needs thousands of
cross-site requests carrying the session cookie, which SameSite=Lax keeps to top-level
navigations; and each CSRF token is signed with a timestamp, so no token repeats a second later.
"""

from __future__ import annotations

from flask import Flask, Response

# Files sent from disk (static CSS and JavaScript, the API docs' assets) up to this size are read
# whole so that they are compressed like a page; larger ones, and the filers' documents (PDF,
# images: not of the compressed types), go straight from the file.
WHOLE_FILE_LIMIT = 4 * 1024 * 1024


def init_compression(app: Flask) -> None:
    if not app.config.get("COMPRESS_RESPONSES"):
        return
    from flask_compress import Compress

    # flask-compress's own streaming path would leave the file it streams open (its generator
    # replaces the response body, and with it the file's close): files are read whole instead.
    app.config["COMPRESS_STREAMS"] = False
    Compress(app)
    types = frozenset(app.config["COMPRESS_MIMETYPES"])

    @app.after_request  # registered after Compress(app): runs before it
    def read_small_files_whole(response: Response) -> Response:
        if (response.direct_passthrough and response.status_code == 200
                and response.mimetype in types
                and response.content_length is not None
                and response.content_length <= WHOLE_FILE_LIMIT):
            response.direct_passthrough = False
            response.make_sequence()  # reads the file, and closes it when the response closes
        return response
