"""A small stand-in for clamd speaking its protocol (PING, VERSION, INSTREAM) on a unix socket
and on TCP at once, for tests: it flags the EICAR test string, and can be told to answer ERROR,
to be slow, to refuse streams past a StreamMaxLength, or to be down."""

from __future__ import annotations

import shutil
import socket
import socketserver
import struct
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

# Built from parts so that this file itself is not taken for the test virus by a scanner.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()
SIGNATURE = "Eicar-Test-Signature"
VERSION = "ClamAV 1.0.7/27460/Mon Nov 23 09:12:00 2026"


@dataclass
class Stream:
    """One INSTREAM as the server received it."""

    chunks: list[int] = field(default_factory=list)  # the length of each chunk
    data: bytes = b""


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        clamd: FakeClamd = self.server.clamd
        reader = self.request.makefile("rb")
        try:
            command, end = _read_command(reader)
        except ValueError:
            return
        clamd.commands.append(command)
        if command == "PING":
            self._reply("PONG", end)
        elif command == "VERSION":
            self._reply(VERSION, end)
        elif command == "INSTREAM":
            self._instream(clamd, reader, end)
        else:
            self._reply("UNKNOWN COMMAND", end)

    def _instream(self, clamd: FakeClamd, reader, end: bytes) -> None:
        stream = Stream()
        clamd.streams.append(stream)
        while True:
            header = reader.read(4)
            if len(header) < 4:
                return
            (size,) = struct.unpack("!I", header)
            if size == 0:
                break
            if len(stream.data) + size > clamd.stream_max_length:
                # As clamd does: say why and hang up without reading the rest.
                self._reply("INSTREAM size limit exceeded. ERROR", end)
                return
            stream.chunks.append(size)
            stream.data += reader.read(size)
        if clamd.delay and clamd.stopping.wait(clamd.delay):
            return
        if clamd.answer_error:
            self._reply("stream: Can't allocate memory ERROR", end)
        elif EICAR in stream.data:
            self._reply(f"stream: {SIGNATURE} FOUND", end)
        else:
            self._reply("stream: OK", end)

    def _reply(self, text: str, end: bytes) -> None:
        try:
            self.request.sendall(text.encode() + end)
        except OSError:  # the client gave up waiting
            pass


def _read_command(reader) -> tuple[str, bytes]:
    """"zPING\\0" or "nPING\\n": the command and the terminator the reply must use."""
    prefix = reader.read(1)
    end = {b"z": b"\0", b"n": b"\n"}.get(prefix)
    if end is None:
        raise ValueError("not a z- or n-command")
    command = b""
    while not command.endswith(end):
        byte = reader.read(1)
        if not byte or len(command) > 100:
            raise ValueError("no command")
        command += byte
    return command[:-1].decode("ascii", "replace"), end


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeClamd:
    """Start with `start()`; `unix_path` and `tcp_port` are where it listens; `stop()` makes
    it down (the socket file is removed, the port closed)."""

    def __init__(self, *, stream_max_length: int = 25 * 1024 * 1024):
        self.stream_max_length = stream_max_length
        self.answer_error = False
        self.delay = 0.0
        self.commands: list[str] = []
        self.streams: list[Stream] = []
        self.stopping = threading.Event()
        self._dir = Path(tempfile.mkdtemp(prefix="clamd-"))  # short: AF_UNIX paths are
        self.unix_path = str(self._dir / "clamd.ctl")        # limited to 107 bytes
        self.tcp_port = 0
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> FakeClamd:
        unix = _UnixServer(self.unix_path, _Handler)
        tcp = _TcpServer(("127.0.0.1", 0), _Handler)
        self.tcp_port = tcp.server_address[1]
        for server in (unix, tcp):
            server.clamd = self
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []
        Path(self.unix_path).unlink(missing_ok=True)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


def free_tcp_port() -> int:
    """A port nothing listens on (for "clamd is down" over TCP)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
