"""Talk to the agent from a browser, during development: the page and its token endpoint.

    (cd web && npm ci)             # once: livekit's JavaScript client (needs Node.js and npm)
    uv run python web/serve.py     # then open http://127.0.0.1:8000 while `lk agent dev` runs

The page (`index.html`, `app.js`) joins a new room of the LiveKit server in LIVEKIT_URL for each
session, with a token from `POST /token` that this server signs with LIVEKIT_API_KEY and
LIVEKIT_API_SECRET (read from `.env.local` like the agent). The token endpoint speaks LiveKit's
standard format (`server_url` and `participant_token` in the answer), but this server, not the
request, picks the room, the identity and the agent the room asks for.

Development only. Anyone who reaches `/token` can join rooms of your LiveKit project and talk to
the agent (which spends your model credits), so it listens on 127.0.0.1 and answers only
requests addressed to it by that name. To serve it further (`--host 0.0.0.0`, behind your HTTPS
proxy: browsers give a page the microphone only over HTTPS or on localhost), set
WEB_ACCESS_CODE; the page then asks for that code and the endpoint refuses tokens without it.
Not part of the image or the wheel: the Dockerfile copies only `src/`.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import ipaddress
import json
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from livekit import api

from {{ cookiecutter.__package }} import settings

WEB_DIR = Path(__file__).resolve().parent
# livekit-client's browser build, one self-contained ES module; index.html maps the
# "livekit-client" import to it.
CLIENT = WEB_DIR / "node_modules" / "livekit-client" / "dist" / "livekit-client.esm.mjs"
# Every path the page loads; nothing else under web/ is served.
FILES = {
    "/": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "/app.js": (WEB_DIR / "app.js", "text/javascript; charset=utf-8"),
    "/livekit-client.esm.mjs": (CLIENT, "text/javascript; charset=utf-8"),
}
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Long enough to connect: once the page is in the room, the LiveKit server refreshes it.
TOKEN_TTL = timedelta(minutes=10)
ACCESS_CODE = settings.Requirement(
    "WEB_ACCESS_CODE",
    "the code the page must send for a token, needed once the server listens beyond this machine",
    "your choice, e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`",
)


@dataclass(frozen=True)
class TokenIssuer:
    """Signs one token per browser session: a new room and a new identity each time."""

    livekit_url: str
    api_key: str
    api_secret: str = field(repr=False)
    access_code: str = field(default="", repr=False)

    def allows(self, authorization: str) -> bool:
        """Whether an `Authorization` header carries the access code (always, without one)."""
        if not self.access_code:
            return True
        scheme, _, code = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            code.strip().encode(), self.access_code.encode()
        )

    def issue(self) -> dict[str, str]:
        session = secrets.token_hex(4)
        room = f"web-{session}"
        identity = f"web-user-{session}"
        token = (
            api.AccessToken(self.api_key, self.api_secret)
            .with_identity(identity)
            .with_name("Browser")
            .with_ttl(TOKEN_TTL)
            .with_grants(api.VideoGrants(room_join=True, room=room))
{%- if cookiecutter.__agent_name %}
            # Explicit dispatch: the room asks for the agent by name as the page creates it.
            .with_room_config(
                api.RoomConfiguration(
                    agents=[api.RoomAgentDispatch(agent_name=settings.AGENT_NAME)]
                )
            )
{%- endif %}
            .to_jwt()
        )
        return {
            "server_url": self.livekit_url,
            "participant_token": token,
            "room_name": room,
            "participant_identity": identity,
        }


class WebServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], issuer: TokenIssuer) -> None:
        super().__init__(address, Handler)
        self.issuer = issuer

    def expects_host(self, host: str) -> bool:
        """Whether a request's Host header names this server.

        On loopback without an access code, a page on another site could otherwise reach the
        endpoint through a hostname it points at 127.0.0.1 (DNS rebinding) and read tokens.
        """
        if self.issuer.access_code:
            return True
        port = self.server_address[1]
        return host in {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}


class Handler(BaseHTTPRequestHandler):
    server: WebServer

    def do_GET(self) -> None:
        if not self.server.expects_host(self.headers.get("Host", "")):
            self.refuse_host()
            return
        entry = FILES.get(self.path.partition("?")[0])
        if entry is None or not entry[0].is_file():
            self.send_json(HTTPStatus.NOT_FOUND, {"error": f"No {self.path} here."})
            return
        path, content_type = entry
        self.send_body(HTTPStatus.OK, path.read_bytes(), content_type)

    def do_POST(self) -> None:
        # The options a request may carry (room, identity, agent) are not taken: the server
        # decides them. The body is read only so that the connection closes cleanly.
        length = self.headers.get("Content-Length", "")
        self.rfile.read(min(int(length), 65536) if length.isdigit() else 0)
        issuer = self.server.issuer
        if self.path != "/token":
            self.send_json(HTTPStatus.NOT_FOUND, {"error": f"No {self.path} here."})
        elif not self.server.expects_host(self.headers.get("Host", "")):
            self.refuse_host()
        elif not issuer.allows(self.headers.get("Authorization", "")):
            self.send_json(
                HTTPStatus.UNAUTHORIZED,
                {"error": f"this server gives tokens only with the code in {ACCESS_CODE.name}"},
            )
        else:
            self.send_json(HTTPStatus.OK, issuer.issue())

    def refuse_host(self) -> None:
        port = self.server.server_address[1]
        self.send_json(
            HTTPStatus.FORBIDDEN,
            {
                "error": f"open the page as http://127.0.0.1:{port} (to reach it under another "
                f"name, set {ACCESS_CODE.name}: see web/serve.py)"
            },
        )

    def send_json(self, status: HTTPStatus, body: Mapping[str, str]) -> None:
        self.send_body(status, json.dumps(body).encode(), "application/json")

    def send_body(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a hostname: it may resolve to any interface


def issuer_from_env(host: str, environ: Mapping[str, str] = os.environ) -> TokenIssuer:
    """The token issuer, or exit 2 naming every setting that is missing or malformed."""
    required = [*settings.LIVEKIT_SERVER]
    if not is_loopback(host):
        required.append(ACCESS_CODE)
    missing = [r for r in required if not environ.get(r.name, "").strip()]
    url = environ.get("LIVEKIT_URL", "").strip()
    malformed = {}
    if url and not settings.is_livekit_url(url):
        malformed["LIVEKIT_URL"] = settings.not_a_livekit_url(url)
    if missing or malformed:
        command = f"web/serve.py --host {host}" if not is_loopback(host) else "web/serve.py"
        print(settings.describe_problems(command, missing, malformed), file=sys.stderr)
        raise SystemExit(2)
    return TokenIssuer(
        livekit_url=url,
        api_key=environ["LIVEKIT_API_KEY"].strip(),
        api_secret=environ["LIVEKIT_API_SECRET"].strip(),
        access_code=environ.get(ACCESS_CODE.name, "").strip(),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="web/serve.py", description="Serve a page that talks to the agent from a browser."
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"interface to listen on (default {DEFAULT_HOST}; any other needs WEB_ACCESS_CODE)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    args = parser.parse_args(argv)

    settings.load_env_file()
    issuer = issuer_from_env(args.host)
    if not CLIENT.is_file():
        print(
            "livekit's JavaScript client is not installed: run `npm ci` in web/ "
            "(needs Node.js and npm), then start this again.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    try:
        server = WebServer((args.host, args.port), issuer)
    except OSError as error:
        print(
            f"Cannot listen on {args.host}:{args.port} ({error.strerror}); "
            "pass another --port if something else uses it.",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    where = f"{'127.0.0.1' if is_loopback(args.host) else args.host}:{server.server_address[1]}"
    print(f"Open http://{where} to talk to the agent (LiveKit: {issuer.livekit_url}).")
    print("The agent must run too: `lk agent dev` in another terminal. Ctrl-C stops.", flush=True)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
