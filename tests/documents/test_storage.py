"""The local document store: generated keys, atomic private files, no way out of the root."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from portal.documents.storage import KEY_RE, LocalStorage, get_storage


@pytest.fixture
def store(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "documents")


def test_put_read_open_exists_delete_round_trip(store):
    key = store.put(b"%PDF-1.7 the description", suffix="pdf")
    assert store.exists(key)
    assert store.read(key) == b"%PDF-1.7 the description"
    with store.open(key) as fh:
        assert fh.read(8) == b"%PDF-1.7"
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(KeyError):
        store.read(key)
    store.delete(key)  # deleting twice is harmless


def test_keys_are_generated_sharded_and_unique(store, tmp_path):
    keys = {store.put(b"x", suffix=".PDF") for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert KEY_RE.fullmatch(key)
        shard, name = key.split("/")
        assert name.startswith(shard) and name.endswith(".pdf") and len(name) == 36
        assert (tmp_path / "documents" / key).read_bytes() == b"x"


def test_a_key_says_nothing_of_the_uploaded_file(store):
    # The store is never given the user's file name; the key only carries the canonical suffix.
    key = store.put(b"data")
    assert KEY_RE.fullmatch(key) and "." not in key


def test_files_are_private_and_no_temporary_file_is_left(store, tmp_path):
    key = store.put(b"secret", suffix="png")
    path = tmp_path / "documents" / key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.parametrize("key", [
    "../secret_key",
    "../../etc/passwd",
    "/etc/passwd",
    "ab/../../secret_key",
    "ab/ab" + "0" * 30 + "/../x",
    "ab/cd" + "0" * 30 + ".pdf",  # the shard must be the start of the name
    "AB/AB" + "0" * 30,
    "ab/ab" + "0" * 30 + ".pdf/",
    "ab\\ab" + "0" * 30,
    "ab/ab" + "0" * 30 + "\n",
    "",
])
def test_malformed_keys_are_refused(store, tmp_path, key):
    (tmp_path / "secret_key").write_text("do not read me")
    for action in (store.read, store.open, store.exists, store.delete):
        with pytest.raises(ValueError):
            action(key)
    assert (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("suffix", ["../x", ".p/df", ".pdf.exe.toolong", ". pdf"])
def test_malformed_suffixes_are_refused(store, suffix):
    with pytest.raises(ValueError):
        store.put(b"x", suffix=suffix)


def test_get_storage_is_a_local_store_under_the_data_dir(app):
    storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == Path(app.config["PORTAL_DATA_DIR"]) / "documents"
    assert get_storage() is storage
    key = storage.put(b"kept", suffix="pdf")
    assert (Path(app.config["PORTAL_DATA_DIR"]) / "documents" / key).read_bytes() == b"kept"
