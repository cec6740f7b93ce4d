"""Known vulnerabilities in what the portal installs: `make audit` (run by `make test`).

- Python: pip-audit over the installed environment (the virtualenv this script runs in), against
  PyPI's JSON API (the Python Packaging Advisory Database), the portal itself left out.
- npm: `npm audit --omit=dev` over package-lock.json, against the npm registry.

The audit fails on a vulnerability that has a fix (a version to upgrade to): a Python one of any
severity, an npm one rated high or critical. A vulnerability without a fix is reported and does
not fail it: there is nothing to upgrade to. A fixable one may be accepted for a while in
scripts/audit-ignore.txt, one advisory id a line with the reason after `#`.

When a vulnerability service cannot be asked (no network, a mirror without the per-version
JSON API, an error), the audit fails and says so: an audit that could not look is no pass.

Exit status: 0 clean, 1 fixable vulnerabilities, 2 the audit could not be done -- or 0 for that
last case with --unreachable-ok, which `make test` passes: the test suite must run where a
service cannot be reached (PyPI mirrors without the per-version JSON API, as on the machines
this was written on); it still fails there on any fixable vulnerability the other service
reports, and says loudly that the audit was not done. `make audit` is the strict one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "scripts" / "audit-ignore.txt"
NPM_FAILING = ("high", "critical")
PIP_AUDIT = [sys.executable, "-m", "pip_audit", "--vulnerability-service", "pypi",
             "--skip-editable", "--format", "json", "--desc", "off", "--aliases", "on",
             "--progress-spinner", "off", "--timeout", "30"]


class AuditImpossible(Exception):
    """A service could not be asked, or its answer could not be read."""


@dataclass(frozen=True)
class Finding:
    source: str  # "python" or "npm"
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory's id first, then its aliases
    fix: str  # the versions that fix it, or "" when none does
    severity: str = ""

    def line(self) -> str:
        fixed = f"fixed in {self.fix}" if self.fix else "no fix yet"
        severity = f" {self.severity}" if self.severity else ""
        return (f"{self.source}: {self.package} {self.version}:{severity} {self.ids[0]}"
                f"{' (' + ', '.join(self.ids[1:]) + ')' if self.ids[1:] else ''}: {fixed}")


def read_ignores(path: Path = IGNORE_FILE) -> dict[str, str]:
    """Advisory id -> the reason it is accepted. A line without a reason is an error."""
    ignores: dict[str, str] = {}
    if not path.exists():
        return ignores
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        advisory, _hash, reason = line.partition("#")
        if not advisory.strip() or len(advisory.split()) != 1 or not reason.strip():
            raise AuditImpossible(f"{path.name} line {number}: write `ADVISORY-ID  # reason`")
        ignores[advisory.strip()] = reason.strip()
    return ignores


# --- Python -------------------------------------------------------------------------------------

def python_findings(report: dict) -> list[Finding]:
    """The vulnerabilities of a pip-audit JSON report; a dependency pip-audit could not look up
    makes the audit impossible (the service did not answer for it)."""
    dependencies = [d for d in report.get("dependencies", [])
                    if "editable" not in d.get("skip_reason", "")]  # the portal itself
    skipped = [f"{d['name']}: {d['skip_reason']}" for d in dependencies if "skip_reason" in d]
    if skipped:
        shown = "\n  ".join(skipped[:5]) + (f"\n  ... and {len(skipped) - 5} more"
                                             if len(skipped) > 5 else "")
        raise AuditImpossible(
            f"pip-audit could not look up {len(skipped)} of {len(dependencies)} packages (does "
            f"pypi.org answer /pypi/NAME/VERSION/json from here?):\n  {shown}")
    return [Finding("python", d["name"], d["version"], (v["id"], *v.get("aliases", [])),
                    ", ".join(v.get("fix_versions") or []))
            for d in dependencies for v in d.get("vulns", [])]


def run_pip_audit(extra: list[str]) -> list[Finding]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        # pip-audit exits 1 when it finds something, and also when it cannot work: the report
        # file tells the two apart.
        done = subprocess.run([*PIP_AUDIT, "--output", str(out), *extra], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if not out.exists() or not out.read_text():
            message = (done.stderr or done.stdout).strip().splitlines()
            raise AuditImpossible("pip-audit could not ask its vulnerability service "
                                  "(pypi.org's JSON API): " + " / ".join(message[-3:]))
        try:
            report = json.loads(out.read_text())
        except ValueError as exc:
            raise AuditImpossible(f"pip-audit wrote no readable report: {exc}") from exc
    return python_findings(report)


# --- npm ----------------------------------------------------------------------------------------

def npm_findings(report: dict) -> list[Finding]:
    """The vulnerabilities of an `npm audit --json` report (npm 7 and later)."""
    if "error" in report or "statusCode" in report or "vulnerabilities" not in report:
        detail = report.get("error", {}).get("summary") if isinstance(report.get("error"),
                                                                       dict) else None
        raise AuditImpossible("npm audit could not ask the registry's audit service: "
                              f"{report.get('message') or detail or 'no answer'}")
    findings = []
    for name, entry in sorted(report["vulnerabilities"].items()):
        advisories = [v for v in entry.get("via", []) if isinstance(v, dict)]
        if not advisories:
            continue  # vulnerable only through another package, which is listed itself
        ids = tuple(_npm_id(v) for v in advisories)
        fix = entry.get("fixAvailable")
        if isinstance(fix, dict):
            fix = f"{fix.get('name')} {fix.get('version')}"
        findings.append(Finding("npm", name, entry.get("range", ""), ids,
                                fix if isinstance(fix, str) else "yes" if fix else "",
                                entry.get("severity", "")))
    return findings


def _npm_id(advisory: dict) -> str:
    url = advisory.get("url") or ""
    return url.rstrip("/").rsplit("/", 1)[-1] if "/advisories/" in url \
        else str(advisory.get("source"))


def run_npm_audit() -> list[Finding]:
    if not (ROOT / "package-lock.json").exists():
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise AuditImpossible("npm is not installed (make install installs it)")
    done = subprocess.run([npm, "audit", "--omit=dev", "--json"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError as exc:
        raise AuditImpossible(f"npm audit gave no readable report: {done.stderr.strip()}") \
            from exc
    return npm_findings(report)


# --- the verdict --------------------------------------------------------------------------------

def failing(findings: list[Finding], ignores: dict[str, str]) -> list[Finding]:
    """What fails the audit: fixable, not accepted, and for npm high or critical."""
    return [f for f in findings if f.fix and not set(f.ids) & set(ignores)
            and (f.source != "npm" or f.severity in NPM_FAILING)]


def report(findings: list[Finding], ignores: dict[str, str], *, complete: bool = True) -> int:
    bad = failing(findings, ignores)
    for f in findings:
        accepted = next((ignores[i] for i in f.ids if i in ignores), None)
        if f in bad:
            print(f"FAIL {f.line()}")
        elif accepted:
            print(f"accepted {f.line()} -- {accepted}")
        else:
            print(f"note {f.line()}")
    seen = {i for f in findings for i in f.ids}
    for advisory in sorted(set(ignores) - seen):
        print(f"note: {advisory} is in {IGNORE_FILE.name} but no longer found: remove it")
    if bad:
        print(f"{len(bad)} known vulnerabilities have a fix: upgrade (pyproject.toml, "
              "package.json) or accept them in scripts/audit-ignore.txt with a reason.")
        return 1
    if complete:
        print(f"audit: no fixable known vulnerability ({len(findings)} reported in all)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-npm", action="store_true", help="audit the Python side only")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE,
                        help="the accepted advisories (default: scripts/audit-ignore.txt)")
    parser.add_argument("--unreachable-ok", action="store_true",
                        help="exit 0 (after saying so) when a service cannot be asked")
    parser.add_argument("pip_audit_args", nargs="*",
                        help="more pip-audit options, after `--` (e.g. -r requirements.txt)")
    args = parser.parse_args(argv)
    try:
        ignores = read_ignores(args.ignore_file)
    except AuditImpossible as exc:
        print(f"audit: NOT DONE: {exc}", file=sys.stderr)
        return 2
    audits = [lambda: run_pip_audit(args.pip_audit_args)]
    if not args.skip_npm:
        audits.append(run_npm_audit)
    findings, impossible = [], []
    for run in audits:  # each one, so that one service down does not hide the other's finds
        try:
            findings += run()
        except AuditImpossible as exc:
            impossible.append(str(exc))
    verdict = report(findings, ignores, complete=not impossible)
    for problem in impossible:
        print(f"audit: NOT DONE: {problem}", file=sys.stderr)
    if impossible and args.unreachable_ok:
        if not verdict:
            print("audit: NOT DONE (see above); passing because of --unreachable-ok",
                  file=sys.stderr)
        return verdict
    return 2 if impossible else verdict


if __name__ == "__main__":
    sys.exit(main())
