"""web/serve.py, the browser page's server: the tokens it signs and when it refuses to serve.

The page itself runs in a browser; these tests talk to the server over HTTP as the page does.
"""

import importlib.util
import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from livekit import api
{%- if cookiecutter.__agent_name %}

from {{ cookiecutter.__package }} import settings
{%- endif %}

SERVE = Path(__file__).resolve().parents[2] / "web" / "serve.py"
KEY, SECRET = "APItest", "a-test-secret-of-enough-length-for-hs256"


def load_serve() -> ModuleType:
    """web/serve.py is a script beside the package, not part of it: load it from its file."""
    spec = importlib.util.spec_from_file_location("web_serve", SERVE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


serve = load_serve()


@pytest.fixture
def start() -> Iterator[Callable[..., str]]:
    """`start(access_code="")`: the server on a free loopback port, stopped after the test."""
    servers = []

    def run(access_code: str = "") -> str:
        issuer = serve.TokenIssuer("ws://127.0.0.1:7880", KEY, SECRET, access_code)
        server = serve.WebServer(("127.0.0.1", 0), issuer)
        # A short poll interval: shutdown() waits up to one interval.
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield run
    for server in servers:
        server.shutdown()
        server.server_close()


def request(url: str, method: str = "POST", **headers: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=b"{}" if method == "POST" else None, headers=headers)
        ) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_token_joins_a_new_room_{% if cookiecutter.__agent_name %}and_asks_for_the_agent_by_name{% else %}which_gets_the_agent_automatically{% endif %}(start) -> None:
    base = start()
    status, details = request(f"{base}/token")
    assert status == 200
    assert details["server_url"] == "ws://127.0.0.1:7880"
    claims = api.TokenVerifier(KEY, SECRET).verify(details["participant_token"])
    assert claims.identity == details["participant_identity"]
    assert claims.video is not None and claims.video.room_join
    assert claims.video.room == details["room_name"]
{%- if cookiecutter.__agent_name %}
    assert claims.room_config is not None
    assert [agent.agent_name for agent in claims.room_config.agents] == [settings.AGENT_NAME]
{%- else %}
    assert claims.room_config is None  # automatic dispatch: every new room gets the agent
{%- endif %}
    _, again = request(f"{base}/token")
    assert again["room_name"] != details["room_name"]


def test_with_an_access_code_only_requests_that_carry_it_get_a_token(start) -> None:
    base = start(access_code="open-sesame")
    status, body = request(f"{base}/token")
    assert status == 401 and "WEB_ACCESS_CODE" in body["error"]
    assert request(f"{base}/token", Authorization="Bearer wrong")[0] == 401
    assert request(f"{base}/token", Authorization="Bearer open-sesame")[0] == 200


def test_requests_addressed_to_another_host_name_are_refused(start) -> None:
    """A site that points its own name at 127.0.0.1 (DNS rebinding) gets no token."""
    base = start()
    assert request(f"{base}/token", Host="attacker.example")[0] == 403
    assert request(f"{base}/token", Host=base.removeprefix("http://"))[0] == 200


def test_only_the_page_is_served(start) -> None:
    base = start()
    with urllib.request.urlopen(f"{base}/") as response:
        assert b'"livekit-client": "/livekit-client.esm.mjs"' in response.read()
    assert request(f"{base}/serve.py", method="GET")[0] == 404
    assert request(f"{base}/../.env.local", method="GET")[0] == 404


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A project directory without .env.local, the LiveKit settings set, the client installed;
    `main` fails the test if it gets as far as serving."""
    monkeypatch.chdir(tmp_path)
    client = tmp_path / "livekit-client.esm.mjs"
    client.write_text("export {};\n")
    monkeypatch.setattr(serve, "CLIENT", client)

    def refused_to_start(*args: object) -> None:
        raise AssertionError("it started serving")

    monkeypatch.setattr(serve, "WebServer", refused_to_start)
    monkeypatch.delenv("WEB_ACCESS_CODE", raising=False)
    values = {
        "LIVEKIT_URL": "ws://127.0.0.1:7880",
        "LIVEKIT_API_KEY": KEY,
        "LIVEKIT_API_SECRET": SECRET,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        serve.main(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_it_will_not_listen_beyond_this_machine_without_an_access_code(environ, capsys) -> None:
    message = refusal(capsys, "--host", "0.0.0.0")
    assert "WEB_ACCESS_CODE" in message and "LIVEKIT" not in message


def test_missing_or_malformed_livekit_settings_are_named(environ, monkeypatch, capsys) -> None:
    monkeypatch.delenv("LIVEKIT_API_SECRET")
    monkeypatch.setenv("LIVEKIT_URL", "localhost")
    message = refusal(capsys)
    assert "LIVEKIT_API_SECRET" in message and "'localhost' is not a server URL" in message


def test_without_the_javascript_client_it_says_to_install_it(environ, monkeypatch, capsys) -> None:
    monkeypatch.setattr(serve, "CLIENT", Path("missing.mjs"))
    assert "npm ci" in refusal(capsys)
