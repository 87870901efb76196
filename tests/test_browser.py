"""The built knowledge base in a real headless Chromium, opened from file:// like from a file share.

Driven over the Chrome DevTools protocol with a small stdlib WebSocket client (no selenium/playwright).
Set DEALDOCS_SCREENSHOTS=<dir> to keep screenshots of what the browser saw.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator, Optional
from urllib.parse import urlsplit

import pytest

from conftest import Scratch
from generator.pipeline import build
from test_site import write_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")


class Cdp:
    """A minimal Chrome DevTools protocol client over a WebSocket (RFC 6455, client side)."""

    def __init__(self, ws_url: str) -> None:
        url = urlsplit(ws_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {url.path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.ids = 0

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools connection closed")
            data += chunk
        return data

    def _send(self, text: str) -> None:
        payload = text.encode()
        n = len(payload)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
                                  if n < 65536 else bytes([0x80 | 127]) + n.to_bytes(8, "big"))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _message(self) -> dict[str, Any]:
        parts = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            n = int.from_bytes(self._exact(2 if n == 126 else 8), "big") if n >= 126 else n
            payload = self._exact(n)
            if b0 & 0x0F == 8:
                raise ConnectionError("DevTools connection closed")
            if b0 & 0x0F in (0, 1):
                parts += payload
                if b0 & 0x80:
                    return json.loads(parts)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer (events in between are dropped)."""
        self.ids += 1
        self._send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            msg = self._message()
            if msg.get("id") == self.ids:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression: str) -> Any:
        """Evaluate JavaScript in the page; return its JSON value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait(self, expression: str, seconds: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for: {expression}")

    def type(self, text: str) -> None:
        """Type into the focused element, key by key."""
        for ch in text:
            self.call("Input.dispatchKeyEvent", type="keyDown", key=ch, text=ch)
            self.call("Input.dispatchKeyEvent", type="keyUp", key=ch)

    def open(self, url: str, ready: str) -> None:
        """Navigate and wait until the page is loaded and `ready` holds."""
        self.call("Page.navigate", url=url)
        self.wait(f"document.readyState === 'complete' && location.href.startsWith({json.dumps(url.split('?')[0])}) "
                  f"&& !!({ready})")

    def screenshot(self, name: str) -> None:
        """Keep a PNG of the page when DEALDOCS_SCREENSHOTS is set."""
        folder = os.environ.get("DEALDOCS_SCREENSHOTS")
        if folder:
            time.sleep(0.5)  # let transitions finish; the picture is for people, not for assertions
            data = self.call("Page.captureScreenshot", format="png")["data"]
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{name}.png").write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cdp]:
    """A headless Chromium with a DevTools connection to its page."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                             f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = _devtools_port(proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        cdp.call("Page.enable")
        yield cdp
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _devtools_port(proc: subprocess.Popen) -> int:
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
        if match:
            return int(match.group(1))
        if not line and proc.poll() is not None:
            break
    raise RuntimeError("Chromium did not start its DevTools server")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = Scratch(tmp_path_factory.mktemp("browser") / "repo")
    write_project(scratch)
    out = scratch.root / "site"
    result = build(scratch.root, out, date(2025, 10, 24))
    assert not result.failed(False)
    return out


def results(cdp: Cdp) -> list[dict[str, str]]:
    return cdp.js("[...document.querySelectorAll('.md-search-result__item')].map(li => ({"
                  "href: li.querySelector('a').href, title: (li.querySelector('h1,h2') || li).textContent.trim()}))")


def test_search_prix_from_file_share_finds_the_objection_script(browser: Cdp, site: Path) -> None:
    browser.open((site / "index.html").as_uri(), "document.querySelector('.md-search__input')")
    browser.js("document.querySelector('.md-search__input').focus()")
    browser.type("prix")
    browser.wait("document.querySelectorAll('.md-search-result__item').length > 0")
    found = results(browser)
    browser.screenshot("search-prix")
    assert found[0]["href"].split("?")[0].endswith("/kb/objections/prix.html"), found
    assert "Objection prix" in found[0]["title"]
    assert any("/exemplaires/CRC-2025-09-19-ACME-v1.0.html" in r["href"] for r in found), found


def test_register_filters_rows(browser: Cdp, site: Path) -> None:
    browser.open((site / "registre.html").as_uri() + "?kw=prix", "document.querySelector('#dd-register[data-ready]')")
    assert browser.js("document.getElementById('dd-count').textContent").startswith("2 CRC sur 3")
    browser.js("document.getElementById('dd-q').focus()")
    browser.type("berth")
    browser.wait("document.getElementById('dd-count').textContent.startsWith('1 CRC sur 3')")
    names = browser.js("[...document.querySelectorAll('#dd-rows .dd-name a')].map(a => a.textContent)")
    assert names == ["CRC-2025-10-16-BERTHIER-v1.0"]
    href = browser.js("document.querySelector('#dd-rows .dd-name a').href")
    assert href.endswith("/crc/CRC-2025-10-16-BERTHIER-v1.0.html")
    browser.screenshot("register")


@pytest.fixture(scope="module")
def site_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = Scratch(tmp_path_factory.mktemp("browser-en") / "repo")
    write_project(scratch)
    scratch.write("mkdocs.yml", "site_name: Sales\ntheme: {name: material}\nplugins: [search, offline]\n"
                                "extra:\n  dealdocs:\n    language: en\n")
    out = scratch.root / "site"
    result = build(scratch.root, out, date(2025, 10, 24))
    assert not result.failed(False)
    return out


def test_register_speaks_english(browser: Cdp, site_en: Path) -> None:
    """The register's script messages, dates and numbers in English; Material's interface too."""
    browser.open((site_en / "registre.html").as_uri() + "?kw=prix", "document.querySelector('#dd-register[data-ready]')")
    assert browser.js("document.getElementById('dd-count').textContent") == "2 of 3 CRCs"
    assert browser.js("document.querySelector('#dd-rows td').textContent") == "2025-10-16"
    assert browser.js("document.querySelector('.md-search__input').placeholder") == "Search"
    browser.js("document.getElementById('dd-q').focus()")
    browser.type("zzz")
    browser.wait("document.getElementById('dd-count').textContent === '0 of 3 CRCs'")
    assert browser.js("document.querySelector('#dd-rows .dd-empty').textContent") == "No CRC matches these filters."
    browser.screenshot("register-en")
