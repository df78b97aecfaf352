"""The HTML report of the five seeds, opened in headless Chromium (Debian's ``chromium``).

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: no port,
no network at all), which gives in one launch what the checks need: every console message,
uncaught exception and log entry, every request the page makes (only the file itself may load),
the rendered DOM with its layout, and a screenshot (``/tmp/jixiao-report.png``).

A control page with a script error, a ``console.error`` and a missing image must trip each
check, so a silent harness cannot pass the report by accident.

CI installs the browser and CJK fonts with
``apt-get install -y --no-install-recommends chromium fonts-noto-cjk``; without ``chromium`` the
test is skipped with that line as the reason.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jixiao.review.command import run_review
from jixiao.review.report_html import form_label

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden" / "expected"
SEEDS = sorted(
    p for p in GOLDEN.glob("[0-9][0-9][0-9]_*.jsonl") if not p.name.endswith(".review.jsonl")
)
SCREENSHOT = Path("/tmp/jixiao-report.png")
#: A second picture: one form's section (indicator table, findings, rewrites).
FORM_SHOT = Path("/tmp/jixiao-report-form.png")
FORM_SECTION = "#f4-0"  # seed 004, form 1: 疫情防控工作经费 (明显/健全 targets)
APT_LINE = "apt-get install -y --no-install-recommends chromium fonts-noto-cjk"
CHROMIUM = os.environ.get("JIXIAO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK),
    reason=f"headless Chromium not installed ({CHROMIUM}); CI needs: {APT_LINE}",
)


# --------------------------------------------------------------------------- a tiny CDP client


@dataclass
class PageRun:
    """What one page load produced."""

    result: Any = None
    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    clips: dict[str, bytes] = field(default_factory=dict)


class Browser:
    """Headless Chromium speaking the DevTools protocol over fds 3 (in) and 4 (out)."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds() -> None:  # the child's fd 3 reads our commands, its fd 4 writes replies
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        # move our ends above 4, so the dup2 calls in the child cannot clobber each other
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)
        to_browser_r, from_browser_w = high_r, high_w
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,
            pass_fds=(3, 4),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"chromium closed the pipe (exit {self.proc.poll()})")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)  # type: ignore[no-any-return]

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
        timeout: float = TIMEOUT,
    ) -> dict[str, Any]:  # fmt: skip
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        deadline = time.monotonic() + timeout
        while True:
            ev = self._read(deadline)
            self.events.append(ev)
            if ev.get("method") == method:
                return ev

    def open(
        self, url: str, probe: str, *, width: int = 1280, height: int = 1800,
        clips: tuple[str, ...] = (),
    ) -> PageRun:  # fmt: skip
        """Load ``url``, evaluate ``probe`` (JS returning JSON) and take a screenshot of the
        window, plus one of each element named by a CSS selector in ``clips``."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired")
        run = PageRun()
        value = self.send(
            "Runtime.evaluate",
            {"expression": probe, "returnByValue": True, "awaitPromise": True},
            session=session,
        )
        run.result = value.get("result", {}).get("value")
        shot = self.send("Page.captureScreenshot", {"format": "png"}, session=session)
        run.screenshot = base64.b64decode(shot["data"])
        for selector in clips:
            where = self.send(
                "Runtime.evaluate",
                {
                    "expression": f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                    ".getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, "
                    "r.width, r.height]; })()",
                    "returnByValue": True,
                },
                session=session,
            )["result"]["value"]
            x, y, w, h = where
            clip = {"x": x, "y": y, "width": w, "height": min(h, 4000), "scale": 1}
            shot = self.send(
                "Page.captureScreenshot",
                {"format": "png", "clip": clip, "captureBeyondViewport": True},
                session=session,
            )
            run.clips[selector] = base64.b64decode(shot["data"])
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.consoleAPICalled":
                args = " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
                run.console.append(f"{p['type']}: {args}")
            elif m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                run.exceptions.append(d.get("exception", {}).get("description") or d["text"])
            elif m == "Log.entryAdded":
                e = p["entry"]
                run.log.append(f"{e['level']} {e['source']}: {e['text']}")
            elif m == "Network.requestWillBeSent":
                run.requests.append(p["request"]["url"])
            elif m == "Network.loadingFailed":
                run.failed.append(p.get("errorText", "failed"))
        self.send("Target.closeTarget", {"targetId": target})
        return run


#: Runs in the page: what the browser actually laid out.
PROBE = """(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  return JSON.stringify({
    title: document.title,
    h1: document.querySelector('h1') ? document.querySelector('h1').innerText : null,
    totals: document.querySelector('.totals') ? document.querySelector('.totals').innerText : '',
    charts: [...document.querySelectorAll('svg.chart')].map(s => ({
      label: s.getAttribute('aria-label'), size: box(s), bars: s.querySelectorAll('rect').length,
    })),
    files: [...document.querySelectorAll('h2')].map(h => h.innerText),
    sections: [...document.querySelectorAll('section.form')].map(s => ({
      id: s.id,
      heading: s.querySelector('h3').innerText,
      problems: [...s.querySelectorAll('h4')].map(h => h.innerText)
                  .find(t => t.startsWith('问题')) || null,
      findings: s.querySelectorAll('li.finding').length,
      rows: s.querySelectorAll('table.ind tbody tr').length,
      rewrites: s.querySelectorAll('table.rw tbody tr').length,
      flagged: s.querySelectorAll('td.flag').length,
      size: box(s),
    })),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    height: document.documentElement.scrollHeight,
  });
})()"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


def _clean(run: PageRun) -> list[str]:
    """Everything that counts as a console error or an unexpected load."""
    bad = [f"console {c}" for c in run.console]
    bad += [f"uncaught {e}" for e in run.exceptions]
    bad += [f"log {entry}" for entry in run.log if not entry.startswith(("verbose", "info"))]
    bad += [f"request {u}" for u in run.requests if not u.startswith(("file://", "data:"))]
    bad += [f"failed load {f}" for f in run.failed]
    return bad


# --------------------------------------------------------------------------- tests


def test_harness_catches_console_errors_and_failed_loads(browser: Browser, tmp_path: Path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><p>x</p><img src="missing.png">'
        '<script>console.error("jx-console-error"); undefinedFn();</script></body></html>',
        encoding="utf-8",
    )
    run = browser.open(page.as_uri(), "document.body.innerText")
    bad = _clean(run)
    assert any("jx-console-error" in b for b in bad), bad
    assert any("uncaught" in b and "undefinedFn" in b for b in bad), bad
    assert any(b.startswith("failed load") for b in bad), bad


def test_report_of_the_five_seeds_renders_in_chromium(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(ROOT)  # file names in the report relative to the repository
    files = run_review([p.relative_to(ROOT) for p in SEEDS], tmp_path / "review")
    html = tmp_path / "review" / "report.html"
    run = browser.open(html.as_uri(), PROBE, clips=(FORM_SECTION,))
    assert run.screenshot.startswith(b"\x89PNG")
    assert run.clips[FORM_SECTION].startswith(b"\x89PNG")
    SCREENSHOT.write_bytes(run.screenshot)
    FORM_SHOT.write_bytes(run.clips[FORM_SECTION])
    assert _clean(run) == []
    dom: dict[str, Any] = json.loads(run.result)
    assert dom["title"] == dom["h1"] == "预算绩效目标表审核报告"
    n_findings = sum(len(rf.findings) for rf in files)
    assert f"问题 {n_findings}" in dom["totals"].replace("\n", " ")
    # the charts were laid out, one bar per counted rule / severity / department
    charts = {c["label"]: c for c in dom["charts"]}
    assert set(charts) == {"按规则", "按级别", "按部门"}
    codes = {f.code for rf in files for f in rf.findings}
    assert charts["按规则"]["bars"] == len(codes)
    assert all(c["size"][0] > 300 and c["size"][1] > 30 for c in charts.values())
    # every form of every seed, with its finding count, its rows and its rewrites
    expected: list[tuple[str, int, int, int]] = []
    for rf in files:
        assert rf.name in dom["files"]
        for fi, form in enumerate(rf.forms):
            n = sum(1 for f in rf.findings if f.form == fi)
            expected.append(
                (form_label(form, fi), n, len(form.indicators), len(rf.rewrites.get(fi, {})))
            )
    sections = dom["sections"]
    assert len(sections) == len(expected) == sum(len(rf.forms) for rf in files)
    for sec, (label, n, rows, rewrites) in zip(sections, expected, strict=True):
        assert sec["heading"].strip() == label
        assert sec["problems"] == f"问题（{n}）"
        assert sec["findings"] == n and sec["rows"] == rows and sec["rewrites"] == rewrites
        assert sec["size"][0] > 600 and sec["size"][1] > 80, sec
    assert sum(s["flagged"] for s in sections) > 0
    assert dom["overflow"] <= 0, "the report is wider than the window"
