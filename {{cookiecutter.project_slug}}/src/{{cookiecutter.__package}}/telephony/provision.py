"""Create or update the SIP trunks and dispatch rule in telephony/*.json, matched by name."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.json_format import ParseDict, ParseError
from livekit import api
from livekit.api.sip_service import SipService

DEFINITIONS_DIR = Path("telephony")


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Definitions:
    inbound_trunk: api.SIPInboundTrunkInfo
    outbound_trunk: api.SIPOutboundTrunkInfo
    dispatch_rule: api.SIPDispatchRuleInfo


def load_message(path: Path, message: Any) -> Any:
    try:
        ParseDict(json.loads(path.read_text(encoding="utf-8")), message)
    except FileNotFoundError as error:
        raise DefinitionError(f"{path} is missing (run from the project root).") from error
    except (json.JSONDecodeError, ParseError) as error:
        raise DefinitionError(f"{path} is not a valid {type(message).__name__}: {error}") from error
    if not message.name:
        raise DefinitionError(f'{path} needs a "name": provisioning matches on it.')
    return message


def load_definitions(directory: Path = DEFINITIONS_DIR) -> Definitions:
    return Definitions(
        inbound_trunk=load_message(directory / "inbound-trunk.json", api.SIPInboundTrunkInfo()),
        outbound_trunk=load_message(directory / "outbound-trunk.json", api.SIPOutboundTrunkInfo()),
        dispatch_rule=load_message(directory / "dispatch-rule.json", api.SIPDispatchRuleInfo()),
    )


@dataclass(frozen=True)
class Kind:
    """How to list, create and update one kind of SIP object with livekit-api's current names."""

    label: str
    id_field: str
    list: Callable[[SipService], Awaitable[Any]]
    create: Callable[[SipService, Any], Awaitable[Any]]
    update: Callable[[SipService, str, Any], Awaitable[Any]]


INBOUND = Kind(
    "inbound trunk",
    "sip_trunk_id",
    lambda sip: sip.list_inbound_trunk(api.ListSIPInboundTrunkRequest()),
    lambda sip, trunk: sip.create_inbound_trunk(api.CreateSIPInboundTrunkRequest(trunk=trunk)),
    lambda sip, trunk_id, trunk: sip.update_inbound_trunk(trunk_id, trunk),
)
OUTBOUND = Kind(
    "outbound trunk",
    "sip_trunk_id",
    lambda sip: sip.list_outbound_trunk(api.ListSIPOutboundTrunkRequest()),
    lambda sip, trunk: sip.create_outbound_trunk(api.CreateSIPOutboundTrunkRequest(trunk=trunk)),
    lambda sip, trunk_id, trunk: sip.update_outbound_trunk(trunk_id, trunk),
)
DISPATCH_RULE = Kind(
    "dispatch rule",
    "sip_dispatch_rule_id",
    lambda sip: sip.list_dispatch_rule(api.ListSIPDispatchRuleRequest()),
    lambda sip, rule: sip.create_dispatch_rule(
        api.CreateSIPDispatchRuleRequest(dispatch_rule=rule)
    ),
    lambda sip, rule_id, rule: sip.update_dispatch_rule(rule_id, rule),
)


async def apply(sip: SipService, kind: Kind, wanted: Any, *, dry_run: bool) -> str:
    existing = {item.name: item for item in (await kind.list(sip)).items}
    current = existing.get(wanted.name)
    if current is None:
        if not dry_run:
            await kind.create(sip, wanted)
        return f"created {kind.label} {wanted.name}"
    object_id = getattr(current, kind.id_field)
    unchanged = type(current)()
    unchanged.CopyFrom(current)
    unchanged.ClearField(kind.id_field)
    if unchanged == wanted:
        return f"unchanged {kind.label} {wanted.name}"
    if not dry_run:
        await kind.update(sip, object_id, wanted)
    return f"updated {kind.label} {wanted.name} ({object_id})"


async def provision(sip: SipService, wanted: Definitions, *, dry_run: bool) -> list[str]:
    """Bring LiveKit in line with `wanted`; returns one line per trunk or rule."""
    return [
        await apply(sip, INBOUND, wanted.inbound_trunk, dry_run=dry_run),
        await apply(sip, OUTBOUND, wanted.outbound_trunk, dry_run=dry_run),
        await apply(sip, DISPATCH_RULE, wanted.dispatch_rule, dry_run=dry_run),
    ]
