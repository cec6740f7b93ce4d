"""Where uploaded documents are kept. Callers only see `Storage`, so that an S3-compatible store
can replace the local one without touching them.

Keys are generated here, never derived from what the user sent. A malformed key raises
ValueError; reading a key that is not stored raises KeyError.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

# "ab/ab12...ef.pdf": the shard is the first two characters of the name.
KEY_RE = re.compile(r"(?P<shard>[0-9a-f]{2})/(?P=shard)[0-9a-f]{30}(?:\.[a-z0-9]{1,8})?")
SUFFIX_RE = re.compile(r"(?:\.[a-z0-9]{1,8})?")


class Storage(Protocol):
    def put(self, data: bytes, *, suffix: str = "") -> str: ...

    def read(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key(suffix: str = "") -> str:
    """A fresh key; `suffix` ("pdf" or ".pdf") is the canonical extension of the content."""
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    if not SUFFIX_RE.fullmatch(suffix):
        raise ValueError(f"invalid suffix {suffix!r}")
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}{suffix}"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under a root directory, readable by the portal's user only."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, data: bytes, *, suffix: str = "") -> str:
        key = new_key(suffix)
        path = self._path(key)
        # Explicit modes: with parents=True, mkdir ignores the mode for the folders it adds.
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # mkstemp creates the file with mode 0o600; os.replace makes it appear complete or not
        # at all, even if the process dies while writing.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return key

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def _fsync_dir(path: Path) -> None:
    # Without it the new directory entry may be lost on a power cut, though the data was synced.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def get_storage() -> Storage:
    """The current app's document store."""
    storage = current_app.extensions.get("portal_storage")
    if storage is None:
        root = Path(current_app.config["PORTAL_DATA_DIR"]) / "documents"
        storage = current_app.extensions.setdefault("portal_storage", LocalStorage(root))
    return storage
