"""Create or update the SIP trunks and dispatch rule in telephony/*.json, matched by name.

Only the fields a definition sets are compared with what the server lists, because the server
adds its own (the id, `created_at`, `updated_at`, defaults): comparing whole objects would
report every object as changed on every run. Passwords are write-only in practice: one left
empty in a definition is managed elsewhere (e.g. the LiveKit dashboard) and is kept on update;
one the server does not reveal is not compared.
"""

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
# Fields the server assigns; a definition may not set them.
SERVER_FIELDS = frozenset({"sip_trunk_id", "sip_dispatch_rule_id", "created_at", "updated_at"})
SECRET_FIELDS = frozenset({"auth_password"})


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Definition:
    """One SIP object as its JSON file describes it."""

    message: Any
    # Fields the file names, including any set to false or empty, so that turning a setting
    # off in the file is noticed too.
    named: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return str(self.message.name)

    def compared_fields(self) -> list[str]:
        """The fields provisioning keeps in line with the file, in proto order."""
        managed = self.named | {field.name for field, _ in self.message.ListFields()}
        return [
            field.name
            for field in self.message.DESCRIPTOR.fields
            if field.name in managed
            and not (field.name in SECRET_FIELDS and not getattr(self.message, field.name))
        ]


@dataclass(frozen=True)
class Definitions:
    inbound_trunk: Definition
    outbound_trunk: Definition
    dispatch_rule: Definition


def load_definition(path: Path, message: Any) -> Definition:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        ParseDict(data, message)
    except FileNotFoundError as error:
        raise DefinitionError(f"{path} is missing (run from the project root).") from error
    except (json.JSONDecodeError, ParseError) as error:
        raise DefinitionError(f"{path} is not a valid {type(message).__name__}: {error}") from error
    if not message.name:
        raise DefinitionError(f'{path} needs a "name": provisioning matches on it.')
    fields = message.DESCRIPTOR.fields
    named = frozenset(f.name for f in fields if f.name in data or f.json_name in data)
    if assigned := sorted(named & SERVER_FIELDS):
        raise DefinitionError(f"{path} sets {', '.join(assigned)}: the server assigns those.")
    return Definition(message, named)


def load_definitions(directory: Path = DEFINITIONS_DIR) -> Definitions:
    return Definitions(
        inbound_trunk=load_definition(directory / "inbound-trunk.json", api.SIPInboundTrunkInfo()),
        outbound_trunk=load_definition(
            directory / "outbound-trunk.json", api.SIPOutboundTrunkInfo()
        ),
        dispatch_rule=load_definition(directory / "dispatch-rule.json", api.SIPDispatchRuleInfo()),
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


def hidden(secret: str) -> bool:
    """True when a listed secret is withheld (empty) or masked (e.g. "****")."""
    return not secret.strip("*• ")


def changed_fields(wanted: Definition, current: Any) -> list[str]:
    """The compared fields whose value on the server differs from the definition."""
    return [
        name
        for name in wanted.compared_fields()
        if getattr(current, name) != getattr(wanted.message, name)
        and not (name in SECRET_FIELDS and hidden(getattr(current, name)))
    ]


def replacement(wanted: Definition, current: Any) -> Any | None:
    """What to send as the update (an update replaces the whole object); None when that would
    clear a password the definition leaves to be managed elsewhere and the server hides."""
    message = type(wanted.message)()
    message.CopyFrom(wanted.message)
    for name in SECRET_FIELDS & {f.name for f in message.DESCRIPTOR.fields}:
        if getattr(message, name):
            continue
        if hidden(getattr(current, name)):
            if getattr(current, "auth_username", ""):
                return None
            continue
        setattr(message, name, getattr(current, name))
    return message


async def apply(sip: SipService, kind: Kind, wanted: Definition, *, dry_run: bool) -> str:
    existing = {item.name: item for item in (await kind.list(sip)).items}
    current = existing.get(wanted.name)
    what = f"{kind.label} {wanted.name}"
    if current is None:
        if dry_run:
            return f"would create {what}"
        created = await kind.create(sip, wanted.message)
        return f"created {what} ({getattr(created, kind.id_field)})"
    object_id = getattr(current, kind.id_field)
    changes = changed_fields(wanted, current)
    if not changes:
        return f"unchanged {what} ({object_id})"
    update = replacement(wanted, current)
    if update is None:
        return (
            f"not updating {what} ({object_id}): {', '.join(changes)} differ, but the server hides "
            "its password and the definition leaves it empty, so an update would erase it. Set "
            "auth_password in the definition on this machine, or make the change in the dashboard."
        )
    if dry_run:
        return f"would update {what} ({object_id}): {', '.join(changes)}"
    await kind.update(sip, object_id, update)
    return f"updated {what} ({object_id}): {', '.join(changes)}"


async def provision(sip: SipService, wanted: Definitions, *, dry_run: bool) -> list[str]:
    """Bring LiveKit in line with `wanted`; returns one line per trunk or rule, with its id."""
    return [
        await apply(sip, INBOUND, wanted.inbound_trunk, dry_run=dry_run),
        await apply(sip, OUTBOUND, wanted.outbound_trunk, dry_run=dry_run),
        await apply(sip, DISPATCH_RULE, wanted.dispatch_rule, dry_run=dry_run),
    ]
