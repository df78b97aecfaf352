"""The HTML report of the five seeds, opened in headless Chromium (Debian's ``chromium``).

The report is made through the CLI (``jixiao review`` of the five seed source files) and its
pages are opened as a user would: the index (charts, pages, the forms list and its search box)
and one department page (every finding with its source cell text, file and line beside it, in
print too; the search box filtering the forms).

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
import re
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.review.report_html import SEVERITY_COLOR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "golden" / "inputs").glob("[0-9][0-9][0-9]_*.txt"))
SCREENSHOT = Path("/tmp/jixiao-report.png")
#: Pictures of a department page: the window, and one form's section.
PAGE_SHOT = Path("/tmp/jixiao-report-page.png")
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
        clips: tuple[str, ...] = (), media: str = "",
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
        if media:
            self.send("Emulation.setEmulatedMedia", {"media": media}, session=session)
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


#: Runs in the index page: what the browser laid out, then the search box typed into.
INDEX_PROBE = """(async () => {
  const visible = (el) => el.offsetParent !== null && el.getBoundingClientRect().height > 0;
  const rows = () => [...document.querySelectorAll('table.forms tbody tr')];
  const before = rows().filter(visible).length;
  const box = document.getElementById('q');
  box.value = %s;
  box.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise(r => setTimeout(r, 50));
  return JSON.stringify({
    title: document.title,
    h1: document.querySelector('h1').innerText,
    totals: document.querySelector('.totals').innerText,
    charts: [...document.querySelectorAll('svg.chart')].map(s => ({
      label: s.getAttribute('aria-label'),
      size: [s.getBoundingClientRect().width, s.getBoundingClientRect().height],
      bars: [...s.querySelectorAll('g')].map(g => ({
        label: g.querySelector('title').textContent,
        segs: [...g.querySelectorAll('rect')].map(r => [r.dataset.sev, r.getAttribute('fill')]),
      })),
    })),
    pages: [...document.querySelectorAll('table.pages tbody a')].map(a => a.getAttribute('href')),
    before: before,
    after: rows().filter(visible).map(r => r.innerText),
    pages_after: [...document.querySelectorAll('table.pages tbody tr')].filter(visible)
      .map(r => r.querySelector('a').getAttribute('href')),
    shown: document.getElementById('shown').innerText,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  });
})()"""

#: Runs in a department page: each finding's source line, as laid out; then a search.
PAGE_PROBE = """(async () => {
  const visible = (el) => el.offsetParent !== null && el.getBoundingClientRect().height > 0;
  const sections = () => [...document.querySelectorAll('section.form')];
  const findings = [...document.querySelectorAll('li.finding')].map(li => {
    const src = li.querySelector('.src');
    const r = src.getBoundingClientRect(), f = li.getBoundingClientRect();
    return {
      section: li.closest('section').id,
      code: li.querySelector('code').innerText,
      where: li.innerText.split('\\n')[0],
      quote: src.querySelector('q') ? src.querySelector('q').innerText : null,
      loc: src.querySelector('.loc').innerText,
      shown: visible(src) && r.top >= f.top && r.bottom <= f.bottom,
    };
  });
  const out = {
    h1: document.querySelector('h1').innerText,
    findings: findings,
    sections: sections().map(s => s.id),
    search_shown: visible(document.querySelector('.search')),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
  const box = document.getElementById('q');
  box.value = %s;
  box.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise(r => setTimeout(r, 50));
  out.after = sections().filter(visible).map(s => s.id);
  out.shown = document.getElementById('shown').innerText;
  return JSON.stringify(out);
})()"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``jixiao review`` of the five seed source files, run from the repository (so the file
    names in the report are relative to it), as a user would."""
    out = tmp_path_factory.mktemp("review") / "review"
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        res = CliRunner().invoke(
            app, ["review", *(str(p.relative_to(ROOT)) for p in SOURCES), "-o", str(out), "-q"]
        )
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    return out


def _findings(out: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (out / "findings.jsonl").read_text("utf-8").splitlines()]


def test_index_page_charts_pages_and_search(browser: Browser, report: Path):
    found = _findings(report)
    term = "疫情防控"
    run = browser.open((report / "report.html").as_uri(), INDEX_PROBE % json.dumps(term))
    SCREENSHOT.write_bytes(run.screenshot)
    assert run.screenshot.startswith(b"\x89PNG")
    assert _clean(run) == []
    dom: dict[str, Any] = json.loads(run.result)
    assert dom["title"] == dom["h1"] == "预算绩效目标表审核报告"
    assert f"问题 {len(found)}" in dom["totals"].replace("\n", " ")
    charts = {c["label"]: c for c in dom["charts"]}
    assert set(charts) == {"按规则", "按级别", "按部门"}
    assert all(c["size"][0] > 300 and c["size"][1] > 30 for c in charts.values())
    # one bar per rule, split by the severities its findings carry, in their colours
    by_rule: dict[str, set[str]] = {}
    for f in found:
        by_rule.setdefault(f["code"], set()).add(f["severity"])
    bars = {b["label"].split(" ", 1)[0]: b["segs"] for b in charts["按规则"]["bars"]}
    assert set(bars) == set(by_rule)
    for code, segs in bars.items():
        assert {sev for sev, _ in segs} == by_rule[code], code
        assert all(fill == SEVERITY_COLOR[sev] for sev, fill in segs)
    # the pages it links to exist, one per department of the seeds
    assert dom["pages"] and all((report / href).is_file() for href in dom["pages"])
    # the search box: all forms listed, then only those whose project has the term
    n_forms = int(re.search(r"表 (\d+)", dom["totals"].replace("\n", " ")).group(1))
    assert dom["before"] == n_forms > len(SOURCES)  # every form listed while the box is empty
    projects = [  # the forms whose 项目名称 line in the source names the term
        line
        for p in SOURCES
        for line in p.read_text("utf-8").splitlines()
        if line.startswith("项目名称") and term in line
    ]
    assert projects, "the seeds have a 疫情防控 project"
    assert len(dom["after"]) == len(projects) < dom["before"]
    assert all(term in row for row in dom["after"])
    assert dom["shown"] == f"{len(projects)} / {dom['before']}"
    # the pages list keeps the pages that hold a matching form
    holding = {
        f"report/{p.name}"
        for p in (report / "report").glob("p*.html")
        if any(term in sec for sec in p.read_text("utf-8").split('<section class="form"')[1:])
    }
    assert set(dom["pages_after"]) == holding and len(holding) < len(dom["pages"])
    assert dom["overflow"] <= 0, "the index is wider than the window"


def _source_line(rel: str, line: int) -> str:
    return (ROOT / rel).read_text("utf-8").splitlines()[line - 1]


def test_department_page_shows_the_source_beside_each_finding(browser: Browser, report: Path):
    page = next(
        p for p in sorted((report / "report").glob("p*.html"))
        if f'id="{FORM_SECTION[1:]}"' in p.read_text("utf-8")
    )  # fmt: skip
    term = "疫情防控"
    run = browser.open(page.as_uri(), PAGE_PROBE % json.dumps(term), clips=(FORM_SECTION,))
    PAGE_SHOT.write_bytes(run.screenshot)
    FORM_SHOT.write_bytes(run.clips[FORM_SECTION])
    assert _clean(run) == []
    dom: dict[str, Any] = json.loads(run.result)
    ours = [f for f in dom["findings"] if f["section"] == FORM_SECTION[1:]]
    expected = [f for f in _findings(report) if f["file"].startswith("golden/inputs/004_")]
    assert len(ours) == sum(1 for f in expected if f["form"] == 0) > 0
    assert all(f["shown"] for f in dom["findings"]), "a source line is hidden or outside its item"
    checked = 0
    for f in ours:
        rel, _, where = f["loc"].partition(" · ")
        assert rel == SOURCES[4].relative_to(ROOT).as_posix()
        m = re.match(r"第(\d+)行", where)
        if f["quote"] and m:  # an indicator's cell: its text is on that line of the source
            assert f["quote"].rstrip("…") in _source_line(rel, int(m.group(1))), f
            checked += 1
    assert checked >= 3
    # the search box: only the forms with the term stay
    assert FORM_SECTION[1:] in dom["after"] and len(dom["after"]) < len(dom["sections"])
    html = page.read_text("utf-8")
    for sec in dom["sections"]:
        body = html.split(f'id="{sec}"', 1)[1].split("</section>", 1)[0]
        assert (sec in dom["after"]) == (term in body), sec
    assert dom["overflow"] <= 0, "the page is wider than the window"


def test_department_page_in_print_keeps_the_source_and_drops_the_search_box(
    browser: Browser, report: Path
):
    page = sorted((report / "report").glob("p*.html"))[0]
    run = browser.open(page.as_uri(), PAGE_PROBE % json.dumps(""), media="print")
    dom: dict[str, Any] = json.loads(run.result)
    assert dom["findings"] and all(f["shown"] for f in dom["findings"])
    assert dom["search_shown"] is False


def test_search_term_in_the_address_filters_on_load(browser: Browser, report: Path):
    """``report.html?q=…`` (or ``#q=…``) opens with the box filled and the list filtered."""
    probe = """JSON.stringify({q: document.getElementById('q').value,
      shown: document.getElementById('shown').innerText})"""
    for suffix in ("?q=%E7%96%AB%E6%83%85", "#q=%E7%96%AB%E6%83%85"):  # 疫情
        run = browser.open((report / "report.html").as_uri() + suffix, probe)
        dom = json.loads(run.result)
        assert dom["q"] == "疫情"
        shown, total = (int(x) for x in dom["shown"].split(" / "))
        assert 0 < shown < total
