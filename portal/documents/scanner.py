"""Virus scanning of uploads, by clamd (the ClamAV daemon) when one is configured.

`get_scanner()` is the configured scanner: clamd on a unix socket (CLAMD_SOCKET) or over TCP
(CLAMD_HOST, CLAMD_PORT), else none. `scan_upload()` runs it on an upload that passed the content
checks, before anything is stored: an infected file is refused and audited, and while a
configured scanner cannot give a verdict every upload is refused (fail closed).

clamd's INSTREAM command is spoken here with the standard library: "zINSTREAM\\0", then chunks
of <4-byte big-endian length><bytes>, then a zero-length chunk; clamd answers "stream: OK\\0",
"stream: <signature> FOUND\\0" or "<reason> ERROR\\0".
"""

from __future__ import annotations

import enum
import hashlib
import logging
import socket
import struct
import time
from dataclasses import dataclass
from typing import Protocol

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l

from portal.audit import audit_kept
from portal.documents.checks import DocumentRejected

log = logging.getLogger(__name__)

INFECTED_ACTION = "document.infected"
DEFAULT_PORT = 3310
DEFAULT_TIMEOUT = 30.0
# Far below clamd's StreamMaxLength (25 MiB by default), which also bounds one chunk.
CHUNK_BYTES = 64 * 1024
_MAX_REPLY = 4096


class Verdict(enum.StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    ERROR = "error"  # no verdict: the scanner is down, too slow, or failed on this file
    UNSCANNED = "unscanned"  # no scanner is configured


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    detail: str = ""  # the signature when infected; what went wrong on error
    unreachable: bool = False  # an error of connecting or waiting, not of this file

    @property
    def accepted(self) -> bool:
        return self.verdict in (Verdict.CLEAN, Verdict.UNSCANNED)


class Scanner(Protocol):
    name: str

    def scan(self, data: bytes) -> ScanResult:
        """The verdict on `data`. Called once per upload, inside the request, before the file
        is stored; never raises for the scanner's own trouble (that is a result of ERROR)."""
        ...


class NoScanner:
    """No scanner configured: uploads are taken on the content checks alone."""

    name = "none"

    def scan(self, data: bytes) -> ScanResult:
        return ScanResult(Verdict.UNSCANNED)


class ClamdError(Exception):
    """clamd could not be reached in time or answered something unexpected."""


class ClamdScanner:
    """A client of clamd on a unix socket (`socket_path`) or over TCP (`host`, `port`).

    `timeout` bounds a whole exchange (connecting, sending, waiting for the verdict)."""

    name = "clamd"

    def __init__(self, *, socket_path: str | None = None, host: str | None = None,
                 port: int = DEFAULT_PORT, timeout: float = DEFAULT_TIMEOUT,
                 chunk_size: int = CHUNK_BYTES):
        if not socket_path and not host:
            raise ValueError("clamd needs a socket path or a host")
        self.socket_path, self.host, self.port = socket_path, host, port
        self.timeout, self.chunk_size = timeout, chunk_size

    @property
    def address(self) -> str:
        return f"unix:{self.socket_path}" if self.socket_path else f"tcp:{self.host}:{self.port}"

    def scan(self, data: bytes) -> ScanResult:
        try:
            reply = self._instream(data)
        except (OSError, ClamdError) as exc:  # timeouts and refused connections are OSErrors
            return ScanResult(Verdict.ERROR, f"{self.address}: {exc!r}",
                              unreachable=isinstance(exc, OSError))
        return parse_reply(reply)

    def ping(self) -> str:
        reply = self._command(b"zPING\0")
        if reply != "PONG":
            raise ClamdError(f"unexpected answer to PING: {reply!r}")
        return reply

    def version(self) -> str:
        """clamd's "ClamAV <version>/<signatures>/<date>"."""
        return self._command(b"zVERSION\0")

    def _command(self, command: bytes) -> str:
        deadline = time.monotonic() + self.timeout
        with self._connect(deadline) as sock:
            _send(sock, command, deadline)
            return _read_reply(sock, deadline)

    def _instream(self, data: bytes) -> str:
        deadline = time.monotonic() + self.timeout
        with self._connect(deadline) as sock:
            try:
                _send(sock, b"zINSTREAM\0", deadline)
                for start in range(0, len(data), self.chunk_size):
                    chunk = data[start:start + self.chunk_size]
                    _send(sock, struct.pack("!I", len(chunk)) + chunk, deadline)
                _send(sock, struct.pack("!I", 0), deadline)
            except (BrokenPipeError, ConnectionResetError):
                # Past its StreamMaxLength clamd stops reading, answers why and hangs up.
                pass
            return _read_reply(sock, deadline)

    def _connect(self, deadline: float) -> socket.socket:
        if self.socket_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(_remaining(deadline))
                sock.connect(self.socket_path)
            except BaseException:
                sock.close()
                raise
            return sock
        return socket.create_connection((self.host, self.port), timeout=_remaining(deadline))


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("clamd did not answer in time")
    return left


def _send(sock: socket.socket, payload: bytes, deadline: float) -> None:
    sock.settimeout(_remaining(deadline))
    sock.sendall(payload)


def _read_reply(sock: socket.socket, deadline: float) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        sock.settimeout(_remaining(deadline))
        part = sock.recv(_MAX_REPLY)
        if not part:
            break
        reply += part
        if len(reply) > _MAX_REPLY:
            raise ClamdError("clamd's answer is too long")
    if not reply:
        raise ClamdError("clamd closed the connection without an answer")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def parse_reply(reply: str) -> ScanResult:
    """clamd's answer to INSTREAM as a result; anything but OK or FOUND is an error."""
    if reply == "stream: OK":
        return ScanResult(Verdict.CLEAN)
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        signature = reply[len("stream: "):-len(" FOUND")].strip()
        if signature:
            return ScanResult(Verdict.INFECTED, signature)
    return ScanResult(Verdict.ERROR, f"clamd: {reply[:300]}")


def scanner_from_config(config) -> Scanner:
    timeout = float(config.get("CLAMD_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT)
    if config.get("CLAMD_SOCKET"):
        return ClamdScanner(socket_path=config["CLAMD_SOCKET"], timeout=timeout)
    if config.get("CLAMD_HOST"):
        return ClamdScanner(host=config["CLAMD_HOST"],
                            port=int(config.get("CLAMD_PORT") or DEFAULT_PORT), timeout=timeout)
    return NoScanner()


def get_scanner() -> Scanner:
    """The current app's scanner (none outside an app: nothing is configured there)."""
    return scanner_from_config(current_app.config) if has_app_context() else NoScanner()


class DocumentInfected(DocumentRejected):
    """The scanner found malicious content. The message names nothing of it."""

    def __init__(self):
        super().__init__("infected", _l(
            "This file was refused: the virus check found harmful content in it. Check your "
            "computer with up-to-date antivirus software, then upload a clean copy of the "
            "file."))


class ScanUnavailable(DocumentRejected):
    """The configured scanner gave no verdict; the upload is refused rather than taken
    unchecked, and may be tried again later."""

    def __init__(self):
        super().__init__("scan_unavailable", _l(
            "The file cannot be checked for viruses just now, so it was not accepted. Try "
            "again in a few minutes."))


def scan_upload(data: bytes, *, filename: str, kind: str, sha256: str | None = None) -> None:
    """Refuse the upload (DocumentRejected) unless the configured scanner finds it clean."""
    in_request = has_request_context()
    if in_request and g.get("scanner_unreachable"):
        # One wait per request: the other files of a form are not kept waiting in turn.
        raise ScanUnavailable()
    result = get_scanner().scan(data)
    if result.accepted:
        return
    filename = (filename or "")[-200:]
    if result.verdict is Verdict.INFECTED:
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        log.warning("refused an infected upload %r (%s, %d bytes, sha256 %s): %s", filename,
                    kind, len(data), sha256, result.detail)
        _audit_infected(result.detail, filename=filename, kind=str(kind), size=len(data),
                        sha256=sha256)
        raise DocumentInfected()
    log.error("refused an upload that could not be scanned (%r, %s, %d bytes): %s", filename,
              kind, len(data), result.detail)
    if in_request and result.unreachable:
        g.scanner_unreachable = True
    raise ScanUnavailable()


def _audit_infected(signature: str, **facts) -> None:
    user, actor = None, None
    # In the API the token says who sent the file; on pages audit() takes the logged-in user.
    client = g.get("api_client") if has_request_context() else None
    if client is not None:
        user = client.user
        actor = None if user is not None else f"API client {client.name}"[:254]
    audit_kept(INFECTED_ACTION, user=user, actor=actor, signature=signature[:200], **facts)
