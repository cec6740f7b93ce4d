"""`make audit` (scripts/audit.py): fails on known vulnerabilities that have a fix, reports the
ones without, accepts listed ones only with a reason, and fails when it could not ask. The real
pip-audit runs against a local OSV-like service; npm's answers are the shapes npm prints."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "audit.py"
_spec = importlib.util.spec_from_file_location("portal_audit_script", SCRIPT)
audit = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = audit  # dataclasses look their module up
_spec.loader.exec_module(audit)


def vuln(vuln_id: str, package: str, fixed: str | None, alias: str) -> dict:
    events = [{"introduced": "0"}] + ([{"fixed": fixed}] if fixed else [])
    return {"id": vuln_id, "aliases": [alias], "summary": "A test advisory",
            "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}]}]}


def affects(advisory: dict, version: str) -> bool:
    from packaging.version import Version

    events = advisory["affected"][0]["ranges"][0]["events"]
    fixed = [e["fixed"] for e in events if "fixed" in e]
    return not fixed or Version(version) < Version(fixed[0])


# What the fake service knows: package -> its advisories.
ADVISORIES = {
    "jinja2": [vuln("GHSA-aaaa-bbbb-cccc", "jinja2", "3.1.5", "CVE-2099-0001")],
    "flask": [vuln("GHSA-dddd-eeee-ffff", "flask", None, "CVE-2099-0002")],
}


@pytest.fixture(scope="module")
def osv_url():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server interface
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            found = [v for v in ADVISORIES.get(query["package"]["name"], [])
                     if affects(v, query["version"])]
            body = json.dumps({"vulns": found}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def run(tmp_path, url: str, requirements: str, ignores: str = "") -> subprocess.CompletedProcess:
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "ignore.txt").write_text(ignores)
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--skip-npm", "--ignore-file", str(tmp_path / "ignore.txt"),
         "--", "-s", "osv", "--osv-url", url, "--cache-dir", str(tmp_path / "cache"),
         "-r", str(tmp_path / "requirements.txt"), "--no-deps", "--disable-pip"],
        capture_output=True, text=True, timeout=120, check=False)


def test_a_vulnerability_with_a_fix_fails_the_audit(tmp_path, osv_url):
    done = run(tmp_path, osv_url, "jinja2==3.1.4\nflask==3.1.0\n")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL ")]
    assert len(failed) == 1 and "python: jinja2 3.1.4:" in failed[0]
    assert "GHSA-aaaa-bbbb-cccc" in failed[0] and "CVE-2099-0001" in failed[0]
    assert failed[0].endswith(": fixed in 3.1.5")
    noted = [line for line in lines if line.startswith("note python: flask 3.1.0:")]
    assert len(noted) == 1 and noted[0].endswith(": no fix yet")


def test_one_without_a_fix_is_reported_and_passes(tmp_path, osv_url):
    done = run(tmp_path, osv_url, "flask==3.1.0\njinja2==3.1.5\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no fix yet" in done.stdout and "FAIL" not in done.stdout


def test_an_accepted_vulnerability_passes_with_its_reason(tmp_path, osv_url):
    done = run(tmp_path, osv_url, "jinja2==3.1.4\n",
               "# header\nCVE-2099-0001  # only the sandboxed renderer uses it; until June\n"
               "PYSEC-0000-1  # gone\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "accepted python: jinja2 3.1.4" in done.stdout
    assert "-- only the sandboxed renderer uses it; until June" in done.stdout
    assert "PYSEC-0000-1 is in" in done.stdout  # no longer found: say so


def test_an_accepted_vulnerability_needs_a_reason(tmp_path, osv_url):
    done = run(tmp_path, osv_url, "jinja2==3.1.4\n", "CVE-2099-0001\n")
    assert done.returncode == 2
    assert "line 1: write `ADVISORY-ID  # reason`" in done.stderr


def test_a_service_that_does_not_answer_fails_the_audit_clearly(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run(tmp_path, f"http://127.0.0.1:{port}/v1/query", "jinja2==3.1.4\n")
    assert done.returncode == 2
    assert "audit: NOT DONE: pip-audit could not ask its vulnerability service" in done.stderr


def test_packages_the_service_could_not_look_up_make_the_audit_impossible():
    report = {"dependencies": [
        {"name": "filing-portal", "skip_reason": "distribution marked as editable"},
        {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be "
                                         "audited: flask (3.1.3)"},
        {"name": "jinja2", "version": "3.1.6", "vulns": []}]}
    with pytest.raises(audit.AuditImpossible, match="could not look up 1 of 2 packages"):
        audit.python_findings(report)
    report["dependencies"].pop(1)
    assert audit.python_findings(report) == []  # the portal itself is not on PyPI


# --- npm ---------------------------------------------------------------------------------------

NPM_REPORT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "swagger-ui-dist": {
            "name": "swagger-ui-dist", "severity": "high", "isDirect": True,
            "via": [{"source": 1096, "name": "swagger-ui-dist", "severity": "high",
                     "url": "https://github.com/advisories/GHSA-1111-2222-3333",
                     "range": "<5.36.0"}],
            "range": "<5.36.0",
            "fixAvailable": {"name": "swagger-ui-dist", "version": "5.36.0",
                             "isSemVerMajor": False}},
        "@scarf/scarf": {
            "name": "@scarf/scarf", "severity": "critical", "isDirect": False,
            "via": [{"source": 1097, "name": "@scarf/scarf", "severity": "critical",
                     "url": "https://github.com/advisories/GHSA-4444-5555-6666",
                     "range": "*"}],
            "range": "*", "fixAvailable": False},
        "left-pad": {
            "name": "left-pad", "severity": "moderate", "isDirect": False,
            "via": [{"source": 1098, "url": "https://github.com/advisories/GHSA-7777-8888-9999",
                     "severity": "moderate"}],
            "range": "<2", "fixAvailable": True},
        "wrapper": {"name": "wrapper", "severity": "high", "via": ["left-pad"],
                    "range": "*", "fixAvailable": True},
    },
}


def test_npm_fails_on_fixable_high_and_critical_only():
    findings = audit.npm_findings(NPM_REPORT)
    assert [(f.package, f.ids, f.fix, f.severity) for f in findings] == [
        ("@scarf/scarf", ("GHSA-4444-5555-6666",), "", "critical"),
        ("left-pad", ("GHSA-7777-8888-9999",), "yes", "moderate"),
        ("swagger-ui-dist", ("GHSA-1111-2222-3333",), "swagger-ui-dist 5.36.0", "high")]
    assert [f.package for f in audit.failing(findings, {})] == ["swagger-ui-dist"]
    assert audit.failing(findings, {"GHSA-1111-2222-3333": "reason"}) == []
    assert audit.report(findings, {}) == 1
    assert audit.report(findings, {"GHSA-1111-2222-3333": "until the next release"}) == 0


def test_npm_without_its_audit_service_makes_the_audit_impossible():
    # What npm 11 prints when the registry refuses the bulk advisory query.
    refused = {"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/"
                          "security/advisories/bulk", "method": "POST", "statusCode": 405,
               "body": "", "error": {"summary": "", "detail": ""}}
    with pytest.raises(audit.AuditImpossible, match="405 Method Not Allowed"):
        audit.npm_findings(refused)
    with pytest.raises(audit.AuditImpossible):
        audit.npm_findings({"error": {"code": "ENOTFOUND", "summary": "getaddrinfo"}})


def test_one_service_down_fails_the_audit_and_still_shows_the_others_finds(
        tmp_path, monkeypatch, capsys):
    found = audit.Finding("python", "jinja2", "3.1.4", ("PYSEC-2099-1",), "3.1.5")

    def npm_down():
        raise audit.AuditImpossible("npm audit could not ask the registry's audit service")

    monkeypatch.setattr(audit, "run_pip_audit", lambda extra: [found])
    monkeypatch.setattr(audit, "run_npm_audit", npm_down)
    (tmp_path / "ignore.txt").write_text("")
    assert audit.main(["--ignore-file", str(tmp_path / "ignore.txt")]) == 2
    out = capsys.readouterr()
    assert "FAIL python: jinja2 3.1.4: PYSEC-2099-1: fixed in 3.1.5" in out.out
    assert "audit: NOT DONE: npm audit could not ask" in out.err
    assert "no fixable known vulnerability" not in out.out
    monkeypatch.setattr(audit, "run_pip_audit", lambda extra: [])
    monkeypatch.setattr(audit, "run_npm_audit", lambda: [])
    assert audit.main(["--ignore-file", str(tmp_path / "ignore.txt")]) == 0
    assert "audit: no fixable known vulnerability (0 reported in all)" in capsys.readouterr().out


def test_unreachable_ok_passes_an_audit_that_could_not_ask_but_not_a_fixable_find(
        tmp_path, monkeypatch, capsys):
    """What `make test` runs: where a service cannot be asked the suite goes on, saying so;
    a fixable vulnerability the other service found still fails it."""
    def npm_down():
        raise audit.AuditImpossible("npm audit could not ask the registry's audit service")

    (tmp_path / "ignore.txt").write_text("")
    args = ["--ignore-file", str(tmp_path / "ignore.txt"), "--unreachable-ok"]
    monkeypatch.setattr(audit, "run_pip_audit", lambda extra: [])
    monkeypatch.setattr(audit, "run_npm_audit", npm_down)
    assert audit.main(args) == 0
    assert "passing because of --unreachable-ok" in capsys.readouterr().err
    found = audit.Finding("python", "jinja2", "3.1.4", ("PYSEC-2099-1",), "3.1.5")
    monkeypatch.setattr(audit, "run_pip_audit", lambda extra: [found])
    assert audit.main(args) == 1
    assert audit.main(args[:2]) == 2  # `make audit`: strict
