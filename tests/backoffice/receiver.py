"""A back office for the tests: an HTTP server that stores filings by Idempotency-Key, and can
be told to misbehave (fail, store then fail, drop the connection, answer too late)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, *, fail=0.0, fail_after_store=0.0, drop=0.0, slow=0.0,
                 slow_seconds=3.0, status=None, delay=0.0, seed=7):
        self.fail, self.fail_after_store, self.drop, self.slow = fail, fail_after_store, drop, slow
        self.slow_seconds, self.status, self.delay = slow_seconds, status, delay
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stored: dict[str, dict] = {}    # key -> body, once
        self.stores = Counter()              # key -> how many times it was stored (must be 1)
        self.calls: list[dict] = []          # every request: key, headers, outcome
        self.in_flight = Counter()
        self.overlaps: list[str] = []        # keys sent twice at the same time
        self.numbers: dict[str, str] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                receiver.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def draw(self) -> str:
        with self.lock:
            roll = self.rng.random()
        for name in ("drop", "slow", "fail", "fail_after_store"):
            chance = getattr(self, name)
            if roll < chance:
                return name
            roll -= chance
        return "ok"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        raw = request.rfile.read(length)
        key = request.headers.get("Idempotency-Key", "")
        fate = self.draw()
        with self.lock:
            self.calls.append({"key": key, "fate": fate, "path": request.path,
                               "authorization": request.headers.get("Authorization"),
                               "body": raw})
            if self.in_flight[key]:
                self.overlaps.append(key)
            self.in_flight[key] += 1
        try:
            if fate == "drop":
                request.close_connection = True
                request.connection.shutdown(2)
                return
            if fate == "slow":
                time.sleep(self.slow_seconds)
            if self.delay:
                time.sleep(self.delay)
            if self.status is not None:
                self.answer(request, self.status, {"error": "as told"})
                return
            if fate == "fail":
                self.answer(request, 500, {"error": "failed"})
                return
            body = json.loads(raw)
            with self.lock:
                known = key in self.stored
                if not known:
                    self.stored[key] = body
                    self.stores[key] += 1
                    self.numbers[key] = f"TM/2026/{len(self.stored):06d}"
                number = self.numbers[key]
            if fate == "fail_after_store":
                self.answer(request, 500, {"error": "stored, then failed"})
                return
            self.answer(request, 409 if known else 201, {"office_number": number})
        finally:
            with self.lock:
                self.in_flight[key] -= 1

    @staticmethod
    def answer(request, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:  # the client gave up (timeout)
            pass
