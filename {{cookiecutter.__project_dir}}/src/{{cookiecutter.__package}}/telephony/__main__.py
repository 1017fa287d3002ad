"""Telephony commands.

- `uv run python -m {{ cookiecutter.__package }}.telephony provision [--dry-run]`
- `uv run python -m {{ cookiecutter.__package }}.telephony dial +14155550123`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys

import aiohttp
from livekit import api

from ..settings import AGENT_NAME, SettingError, TelephonySettings, load_env_file
from .numbers import NumberRefusedError, allowed_patterns, check_destination, mask
from .provision import DefinitionError, load_definitions, provision

SERVER_KEYS = ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")


class CommandError(Exception):
    pass


def require(*names: str) -> None:
    missing = [name for name in names if not os.environ.get(name, "").strip()]
    if missing:
        raise CommandError(f"set {', '.join(missing)} (in the environment or .env.local).")


async def run_provision(dry_run: bool) -> None:
    wanted = load_definitions()
    require(*SERVER_KEYS)
    async with api.LiveKitAPI() as livekit:
        for change in await provision(livekit.sip, wanted, dry_run=dry_run):
            print(change)


async def run_dial(number: str) -> None:
    destination = check_destination(
        number,
        allowed_patterns(),
        allow_premium_rate=TelephonySettings.from_env().allow_premium_rate,
    )
    require(*SERVER_KEYS, "SIP_OUTBOUND_TRUNK_ID")
    trunk_id = os.environ["SIP_OUTBOUND_TRUNK_ID"]
    async with api.LiveKitAPI() as livekit:
        wrong_trunk = CommandError(
            f"SIP_OUTBOUND_TRUNK_ID={trunk_id} is not an outbound trunk in this LiveKit "
            "project; run `provision` and copy the outbound trunk id it prints, or "
            "`lk sip outbound list`."
        )
        try:
            found = await livekit.sip.list_outbound_trunk(
                api.ListSIPOutboundTrunkRequest(trunk_ids=[trunk_id])
            )
        except api.ServerError as error:
            # Depending on the server, an unknown or malformed id is an empty list or an error.
            if error.code in (api.ServerErrorCode.NOT_FOUND, api.ServerErrorCode.INVALID_ARGUMENT):
                raise wrong_trunk from error
            raise
        if not found.items:
            raise wrong_trunk
        # The room name shows up in dashboards and logs: it carries no phone number.
        room = f"call-out-{secrets.token_hex(6)}"
        await livekit.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(
                agent_name=AGENT_NAME, room=room, metadata=json.dumps({"phone_number": destination})
            )
        )
    print(f"dispatched {AGENT_NAME} to room {room}; it will dial {mask(destination)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}")
    commands = parser.add_subparsers(dest="command", required=True)
    provision_parser = commands.add_parser(
        "provision", help="create or update the trunks and dispatch rule in telephony/*.json"
    )
    provision_parser.add_argument("--dry-run", action="store_true", help="only print changes")
    dial_parser = commands.add_parser("dial", help="have the agent call a number")
    dial_parser.add_argument("number", help="E.164, allowed by SIP_ALLOWED_NUMBERS")
    args = parser.parse_args(argv)

    load_env_file()
    try:
        if args.command == "provision":
            asyncio.run(run_provision(args.dry_run))
        else:
            asyncio.run(run_dial(args.number))
    except (CommandError, DefinitionError, NumberRefusedError, SettingError) as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 2
    except api.ServerError as error:
        print(f"{args.command}: {refusal(error)}", file=sys.stderr)
        return 1
    except (TimeoutError, aiohttp.ClientError) as error:
        print(
            f"{args.command}: cannot reach the LiveKit server at "
            f"LIVEKIT_URL={os.environ.get('LIVEKIT_URL', '')} "
            f"({type(error).__name__}); check the URL and your network.",
            file=sys.stderr,
        )
        return 1
    return 0


def refusal(error: api.ServerError) -> str:
    """One line for a request the server answered with an error: a rejected key names the
    key variables, a rejected request names what the server said about it."""
    if error.code in (api.ServerErrorCode.UNAUTHENTICATED, api.ServerErrorCode.PERMISSION_DENIED):
        return (
            f"LiveKit rejected LIVEKIT_API_KEY / LIVEKIT_API_SECRET ({error.message}); copy "
            "them again from the project that LIVEKIT_URL points at."
        )
    return f"LiveKit refused the request: {error.message or error.code}"


if __name__ == "__main__":
    sys.exit(main())
