"""The HTML report in a real browser: headless Chromium (Debian's package) driven over the
DevTools protocol opens the demo report from disk, and every figure and table must render,
and a click in the table of contents must bring its section into view. A screenshot is kept
in pytest's temporary folder (its path is printed).

Skipped with a reason when no Chromium is installed (CI installs it in ``.ci/run``).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevTools:
    """A minimal DevTools-protocol client over one websocket (loopback only)."""

    def __init__(self, url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(url, timeout=30)
        self.n = 0

    def call(self, method: str, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result", {})

    def js(self, expression: str):
        r = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return r["result"].get("value")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("no Chromium found (apt-get install chromium); the browser test needs it")
    pytest.importorskip("websocket", reason="websocket-client is in the test extra")
    import urllib.request

    port = _free_port()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        targets = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=1) as r:
                    targets = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.1)
        if not targets:
            pytest.skip("Chromium did not start its DevTools endpoint")
        page = next(t for t in targets if t.get("type") == "page")
        yield DevTools(page["webSocketDebuggerUrl"])
    finally:
        if targets:
            pass
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory) -> Path:
    from evaluation.datasets import synthetic_study
    from evaluation.report import render_report

    root = tmp_path_factory.mktemp("browser")
    synthetic_study(seed=1).save(root / "data")
    # the demo's configuration, on two indicators (the browser, not the analyses, is tested)
    from evaluation.report import load_config

    config = load_config(Path(__file__).resolve().parents[1] / "reports" / "demo.toml")
    config = dataclasses.replace(
        config,
        impact=dataclasses.replace(config.impact, indicators=("childcare_u3", "share_65plus")),
    )
    out = render_report(root / "data", config, root / "report", formats=["html"])
    return out / "report.html"


def test_report_renders_and_navigates_in_chromium(browser, demo_html, tmp_path_factory):
    b = browser
    b.call("Page.enable")
    b.call("Page.navigate", url=demo_html.as_uri())
    for _ in range(200):
        if b.js("document.readyState") == "complete":
            break
        time.sleep(0.05)
    # every figure renders: inline SVGs have a size, images (if any) have pixels
    svgs = b.js(
        "Array.from(document.querySelectorAll('figure svg')).map(s => {"
        "const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    # figures inside folded details have no box until opened: open them all first
    b.js("document.querySelectorAll('details').forEach(d => d.open = true); true")
    svgs = b.js(
        "Array.from(document.querySelectorAll('figure svg')).map(s => {"
        "const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert svgs and all(w > 50 and h > 30 for w, h in svgs), svgs[:5]
    imgs = b.js("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert all(imgs)
    # every table has rows
    rows = b.js(
        "Array.from(document.querySelectorAll('main table')).map(t => t.tHead ?"
        " t.tBodies[0].rows.length : t.rows.length)"
    )
    assert rows and min(rows) >= 1
    # the navigation: a click on a link of the table of contents scrolls its section into view
    b.js("window.scrollTo(0, 0); true")
    top = b.js(
        "(() => { const a = document.querySelector('nav.toc a[href=\"#methods\"]'); a.click();"
        " return new Promise(r => setTimeout(() => r(document.getElementById('methods')"
        ".getBoundingClientRect().top), 300)); })()"
    )
    assert abs(top) < 50 and b.js("window.scrollY") > 500
    # the side navigation stays in view and marks where the reader is
    nav_top = b.js("document.querySelector('nav.toc').getBoundingClientRect().top")
    assert abs(nav_top) < 5
    current = b.js(
        "new Promise(r => setTimeout(() => r(Array.from(document.querySelectorAll("
        "'nav.toc a.current')).map(a => a.getAttribute('href'))), 300))"
    )
    assert current, "no link of the table of contents is marked as current"
    # each figure's data is a click away
    links = b.js("document.querySelectorAll('figcaption a.data-link').length")
    assert links >= len(svgs) // 2
    shot = b.call("Page.captureScreenshot", format="png")
    path = tmp_path_factory.mktemp("screenshots") / "report.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {path}")
