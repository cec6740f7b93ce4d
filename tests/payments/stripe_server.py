"""localstripe for the tests: a session-wide fake Stripe server, an app pointed at it, and the
browser's side of a card payment (what Stripe.js does), done server-side.

Run as a script, this file is the server: localstripe with three corrections, so that the
portal's real requests can be tested against it unchanged:
- PaymentIntents accept `description` (Stripe does; localstripe 1.15 answers 400);
- POSTs honour the Idempotency-Key header, replaying the first answer as Stripe does
  (localstripe ignores the header, so a retried checkout could not be tested);
- the store is not pickled to the fixed path /tmp/localstripe.pickle after every change
  (concurrent test runs would share it; with --from-scratch it is never read anyway).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

SECRET_KEY = "sk_test_portal"
WEBHOOK_SECRET = "whsec_test_portal"
START_TIMEOUT = 20.0


# --- the server process ---------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"localstripe did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    """A localstripe of its own for this test session, e.g. "http://127.0.0.1:40123"."""
    folder = tmp_path_factory.mktemp("localstripe")
    port, log = _free_port(), folder / "localstripe.log"
    url = f"http://127.0.0.1:{port}"
    # The log file is the child's stdout; our copy of the descriptor is closed at once.
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "--port", str(port), "--from-scratch"],
            cwd=folder, env={**os.environ, "HOME": str(folder)},
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        _stop(process)


@pytest.fixture
def stripe_app(app, localstripe_url):
    """The `app` fixture, configured for Stripe through localstripe."""
    from payments.providers.stripe.client import close_client

    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=localstripe_url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield app
    close_client(app)  # pooled keep-alive sockets, or ResourceWarnings later


def register_webhook(localstripe_url: str, url: str, *, secret: str = WEBHOOK_SECRET,
                     events: list[str] | None = None, webhook_id: str = "portal") -> None:
    """Have localstripe post events to `url` (about 1 s after each). Registrations live in
    the server's memory for the session; registering `webhook_id` again replaces it."""
    fields = [("url", url), ("secret", secret)] + [("events[]", e) for e in events or ()]
    request = urllib.request.Request(f"{localstripe_url}/_config/webhooks/{webhook_id}",
                                     data=urllib.parse.urlencode(fields).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


# --- the payer's side (Stripe.js), for tests only -------------------------------------------

def pay_intent(intent_id: str, payment_method: str = "pm_card_visa", *,
               customer: str | None = None):
    """Attach a card to the intent and confirm it, as Stripe.js does in the browser
    (localstripe refuses confirm with a payment_method parameter, so update, then confirm).
    Raises stripe.CardError on a decline, as Stripe answers the browser."""
    from payments.providers.stripe.client import stripe_client

    intents = stripe_client().v1.payment_intents
    params = {"payment_method": payment_method}
    if customer:
        params["customer"] = customer
    intents.update(intent_id, params=params)
    return intents.confirm(intent_id)


def declining_card() -> tuple[str, str]:
    """(customer id, payment method id) of a card that attaches but is declined when charged:
    localstripe declines pm_card_chargeCustomerFail only when it is attached to a customer."""
    from payments.providers.stripe.client import stripe_client

    client = stripe_client()
    customer = client.v1.customers.create(params={"email": "payer@example.org"})
    method = client.v1.payment_methods.attach("pm_card_chargeCustomerFail",
                                              params={"customer": customer.id})
    return customer.id, method.id


# --- the server, when run as a script ------------------------------------------------------

def _accept_description(intent_class) -> None:
    original = intent_class.__init__

    def __init__(self, description=None, **kwargs):
        original(self, **kwargs)
        self.description = description

    intent_class.__init__ = __init__


def _idempotency_middleware(web):
    replies: dict[tuple[str, str], tuple[int, bytes]] = {}

    @web.middleware
    async def idempotent(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        slot = (request.headers.get("Authorization", ""), key)
        if slot in replies:
            status, body = replies[slot]
            return web.Response(status=status, body=body, content_type="application/json",
                                headers={"Idempotent-Replayed": "true"})
        response = await handler(request)
        if response.status < 300:  # localstripe raises its errors past this point
            replies[slot] = (response.status, response.body)
        return response

    return idempotent


def serve() -> None:
    from aiohttp import web
    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None
    _accept_description(resources.PaymentIntent)
    server.app.middlewares.append(_idempotency_middleware(web))
    server.start()


if __name__ == "__main__":
    serve()
