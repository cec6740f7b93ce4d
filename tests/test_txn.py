"""Work queued for after the commit runs once the real transaction commits, never at the
release of a savepoint, and never after a rollback (a real database, real commits)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.txn import on_commit


@pytest.fixture
def committing_app(make_app, tmp_path):
    from tests.conftest import fresh_database_url

    url, drop = fresh_database_url(tmp_path, "txn")
    app = make_app(url)
    yield app
    drop()


def test_after_commit_work_waits_for_the_outer_commit(committing_app):
    ran = []
    with committing_app.app_context():
        db.session.execute(text("SELECT 1"))
        with db.session.begin_nested():
            on_commit(lambda: ran.append("done"))
        assert ran == []  # the savepoint was released; nothing is committed yet
        db.session.commit()
        assert ran == ["done"]
        db.session.commit()
        assert ran == ["done"]


def test_after_commit_work_is_dropped_on_rollback(committing_app):
    ran = []
    with committing_app.app_context():
        db.session.execute(text("SELECT 1"))
        on_commit(lambda: ran.append("never"))
        db.session.rollback()
        db.session.execute(text("SELECT 1"))
        db.session.commit()
    assert ran == []


def test_a_rolled_back_savepoint_keeps_the_outer_work(committing_app):
    ran = []
    with committing_app.app_context():
        db.session.execute(text("SELECT 1"))
        on_commit(lambda: ran.append("outer"))
        nested = db.session.begin_nested()
        nested.rollback()
        db.session.commit()
    assert ran == ["outer"]
