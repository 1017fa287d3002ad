"""Each project's browser page (web/), in a real headless Chromium, against its own web/serve.py.

What runs for real: the bake's `npm ci` (livekit-client from the npm registry, or from npm's
cache), its token server, a system Chromium (Debian's package, or another on PATH: Playwright
drives it and downloads no browser) with a fake microphone fed from the project's speech
fixture, and livekit-client in the page.

No LiveKit server can run here, so the page never gets into a room with the agent: the full
audio path (microphone -> LiveKit -> agent -> LiveKit -> speaker, and the live transcript) is
not tested. Everything up to there is: the page loads livekit-client, asks for a token, gets one
with the grants and dispatch the answers call for, tries LiveKit with it, and says which step
failed when the token server refuses, when LiveKit is unreachable, and when LiveKit refuses the
token (a stand-in answering as LiveKit's server does for a token it cannot verify).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from bake import TEMPLATE, BakedProject, bake, project_environment, uv_available
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_cookies.plugin import Cookies

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)
NPM = shutil.which("npm")
pytestmark = [
    pytest.mark.skipif(BROWSER is None, reason="no Chromium or Chrome (.ci/run installs one)"),
    pytest.mark.skipif(NPM is None, reason="no npm (.ci/run installs it)"),
    pytest.mark.skipif(not uv_available(), reason="uv is not installed"),
]
SPEECH = TEMPLATE / "{{cookiecutter.__project_dir}}" / "tests" / "fixtures" / "speech_16k.wav"
KEY, SECRET = "APIbrowsertest", "a-test-secret-long-enough-for-hs256"
ACCESS_CODE = "let-me-in"
# The page's own waits (a token, a refused connection) take well under a second; this only
# bounds a hang on a loaded machine.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=BROWSER,
            args=[
                # Nothing but the page's own requests: the machine's closed network refuses
                # Chromium's background connections, many at a time.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                # A microphone that plays the speech fixture, granted without a prompt.
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-audio-capture={SPEECH}",
            ],
        )
        yield launched
        launched.close()


def ready(cookies: Cookies, **answers: object) -> BakedProject:
    """A fresh bake with its Python environment and the page's JavaScript installed."""
    project = bake(cookies, **answers)
    sync = project.sync()
    assert sync.returncode == 0, sync.stderr[-3000:]
    install = subprocess.run(
        [NPM, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
        cwd=project.path / "web",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return project


@contextmanager
def token_server(project: BakedProject, livekit_url: str, **environ: str) -> Iterator[str]:
    """`uv run python web/serve.py` as the README says, on a free port; yields the page's URL."""
    with subprocess.Popen(
        ["uv", "run", "--no-sync", "python", "web/serve.py", "--port", "0"],
        cwd=project.path,
        env={
            **project_environment(str(project.answers["python_version"])),
            "LIVEKIT_URL": livekit_url,
            "LIVEKIT_API_KEY": KEY,
            "LIVEKIT_API_SECRET": SECRET,
            **environ,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            first = process.stdout.readline()  # "Open http://127.0.0.1:<port> to talk ..."
            assert first.startswith("Open http://"), first + process.stderr.read()
            yield first.split()[1]
        finally:
            process.terminate()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RefusingLiveKit(ThreadingHTTPServer):
    """Answers as a LiveKit server does for a token it cannot verify: 401 on the signal
    connection and on the validation request livekit-client then makes to learn why."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        super().__init__(("127.0.0.1", 0), RefusingHandler)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server_address[1]}"


class RefusingHandler(BaseHTTPRequestHandler):
    server: RefusingLiveKit

    def do_GET(self) -> None:
        self.server.tokens += parse_qs(urlparse(self.path).query).get("access_token", [])
        body = b"invalid token: signature is invalid"
        self.send_response(401)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def refusing_livekit() -> Iterator[RefusingLiveKit]:
    server = RefusingLiveKit()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """The page, loaded and ready, and the list its uncaught errors and microphone use go to."""
    page = browser.new_context().new_page()
    events: list[str] = []
    page.on("pageerror", lambda error: events.append(f"uncaught: {error}"))
    page.expose_function("microphoneOpened", lambda: events.append("microphone opened"))
    page.add_init_script(
        """
        const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = (constraints) => {
          window.microphoneOpened();
          return open(constraints);
        };
        """
    )
    page.goto(url)
    expect(page.locator("#status")).to_have_attribute("data-state", "idle")
    return page, events


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified_claims(token: str) -> dict:
    """The claims of a LiveKit token, after checking it is signed with LIVEKIT_API_SECRET."""
    header, payload, signature = token.split(".")
    assert json.loads(b64decode(header))["alg"] == "HS256"
    expected = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    assert hmac.compare_digest(b64decode(signature), expected.digest()), "not signed by the secret"
    return json.loads(b64decode(payload))


def check_grants(details: dict, claims: dict) -> None:
    assert claims["iss"] == KEY
    assert claims["sub"] == details["participant_identity"]
    assert claims["video"]["roomJoin"] is True
    assert claims["video"]["room"] == details["room_name"]
    assert claims["exp"] - claims["nbf"] == 600


def connect(page: Page) -> dict:
    """Click Connect; the answer of the token endpoint the page asked."""
    with page.expect_response("**/token") as answer:
        page.click("#connect")
    assert answer.value.request.method == "POST"
    return answer.value.json() if answer.value.ok else {"status": answer.value.status}


def test_automatic_dispatch_page_gets_a_token_and_says_livekit_is_unreachable(
    cookies: Cookies, browser: Browser
) -> None:
    project = ready(cookies)
    livekit = f"ws://127.0.0.1:{closed_port()}"
    with token_server(project, livekit) as url:
        page, events = open_page(browser, url)
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        details = connect(page)
        status = page.locator("#status")
        expect(status).to_have_attribute("data-failure", "livekit-unreachable")
    assert details["server_url"] == livekit
    claims = verified_claims(details["participant_token"])
    check_grants(details, claims)
    assert "roomConfig" not in claims  # automatic dispatch: every new room gets the agent
    # The page took the token it was given to the LiveKit URL it was given.
    assert sockets and all(s.startswith(f"{livekit}/rtc") for s in sockets)
    assert parse_qs(urlparse(sockets[0]).query)["access_token"] == [details["participant_token"]]
    assert "Cannot reach the LiveKit server at " + livekit in status.inner_text()
    expect(page.locator("#connect")).to_have_text("Connect")
    expect(page.locator("#mute")).to_be_disabled()
    assert events == []  # no uncaught error, and the microphone never opened for nothing


def test_explicit_dispatch_page_needs_the_access_code_and_says_livekit_refused_the_token(
    cookies: Cookies, browser: Browser
) -> None:
    project = ready(cookies, agent_name="support-agent")
    with (
        refusing_livekit() as livekit,
        token_server(project, livekit.url, WEB_ACCESS_CODE=ACCESS_CODE) as url,
    ):
        page, events = open_page(browser, url)
        status = page.locator("#status")
        expect(page.locator("#access")).to_be_hidden()
        assert connect(page) == {"status": 401}
        expect(status).to_have_attribute("data-failure", "token-refused")
        expect(status).to_contain_text("WEB_ACCESS_CODE")
        expect(page.locator("#access")).to_be_visible()

        page.fill("#access-code", ACCESS_CODE)
        details = connect(page)
        expect(status).to_have_attribute("data-failure", "livekit-refused")
    claims = verified_claims(details["participant_token"])
    check_grants(details, claims)
    assert claims["roomConfig"] == {"agents": [{"agentName": "support-agent"}]}
    assert livekit.tokens and set(livekit.tokens) == {details["participant_token"]}
    expect(status).to_contain_text("refused the token")
    assert events == []
