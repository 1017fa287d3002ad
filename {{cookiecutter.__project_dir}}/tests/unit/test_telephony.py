"""Telephony without a SIP server: definitions, provisioning against a fake LiveKit SIP server,
the dial command's refusals and errors, and every call flow (inbound, outbound to a person, a
voicemail, a phone menu, a full mailbox, nobody answering, busy, cold and warm transfers and
their failures, keyed digits, hanging up) driven through a real `AgentSession` and livekit's
own AMD, transfer, DTMF and end-call code, with the scripted LLM.

The stand-ins are specced against livekit's own classes (`create_autospec` on `SipService`,
`RoomService`, `AgentDispatchService`, `rtc.Room`), so a renamed method or a changed
signature fails here, not in production. Each flow test asserts the whole call in order: what
the agent said and heard, every request it sent, and how the call ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import create_autospec

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from livekit import api, rtc
from livekit.agents import (
    Agent,
    AgentSession,
    AMDCategory,
    BackgroundAudioPlayer,
    ConversationItemAddedEvent,
    JobContext,
    llm,
)
from livekit.agents.beta.workflows import WarmTransferTask, warm_transfer
from livekit.agents.beta.workflows.utils import DtmfEvent, dtmf_event_to_code
from livekit.agents.testing import fake_job_context
from livekit.agents.voice.agent_activity import ActivityClosedError
from livekit.agents.voice.amd.classifier import AMD_PROMPT
from livekit.agents.voice.amd.detector import DetectionOptions
from livekit.api.agent_dispatch_service import AgentDispatchService
from livekit.api.room_service import RoomService
from livekit.api.sip_service import SipService

{% if cookiecutter.use_multi_agent -%}
from {{ cookiecutter.__package }}.team import Billing, Greeter, Sales, Support
{% else -%}
from {{ cookiecutter.__package }}.assistant import Assistant
{% endif -%}
from {{ cookiecutter.__package }}.telephony import calls
from {{ cookiecutter.__package }}.telephony.__main__ import main as telephony_command
from {{ cookiecutter.__package }}.telephony.numbers import (
    NumberRefusedError,
    check_destination,
    mask,
)
from {{ cookiecutter.__package }}.telephony.provision import (
    DefinitionError,
    load_definitions,
    provision,
)
from {{ cookiecutter.__package }}.userdata import UserData

from tests.scripted_llm import Reply, ScriptedLLM, ToolCall

DEFINITIONS = Path(__file__).parents[2] / "telephony"
# The agent a call starts with, and every agent a caller can reach.
{%- if cookiecutter.use_multi_agent %}
EntryAgent: type[Agent] = Greeter
CALL_AGENTS: tuple[type[Agent], ...] = (Greeter, Support, Sales, Billing)
{%- else %}
EntryAgent: type[Agent] = Assistant
CALL_AGENTS: tuple[type[Agent], ...] = (Assistant,)
{%- endif %}


class FakeSIPServer:
    """Keeps SIP objects the way a LiveKit server does: it assigns ids, stamps `created_at` /
    `updated_at`, replaces a whole object on update and, with `hide_secrets`, lists passwords
    masked. Every call is recorded in `requests`."""

    def __init__(self, *, hide_secrets: bool = False) -> None:
        self.hide_secrets = hide_secrets
        self.requests: list[tuple[str, Any]] = []
        self.objects: dict[str, Any] = {}
        self.clock = 1_700_000_000
        self.transfer_response = api.TransferSIPParticipantResponse(
            status=api.SIPTransferStatus.STS_TRANSFER_SUCCESSFUL
        )
        self.transfer_error: Exception | None = None

    def stamp(self, field: Timestamp) -> None:
        self.clock += 60
        field.seconds = self.clock

    def store(self, prefix: str, id_field: str, item: Any) -> Any:
        stored = type(item)()
        stored.CopyFrom(item)
        setattr(stored, id_field, f"{prefix}_{len(self.objects)}")
        self.stamp(stored.created_at)
        self.stamp(stored.updated_at)
        self.objects[getattr(stored, id_field)] = stored
        return stored

    def replace(self, object_id: str, item: Any) -> Any:
        old = self.objects[object_id]
        new = type(item)()
        new.CopyFrom(item)
        id_field = "sip_dispatch_rule_id" if object_id.startswith("SDR") else "sip_trunk_id"
        setattr(new, id_field, object_id)
        new.created_at.CopyFrom(old.created_at)
        self.stamp(new.updated_at)
        self.objects[object_id] = new
        return new

    def listed(self, kind: type, response: type) -> Any:
        items = []
        for item in self.objects.values():
            if isinstance(item, kind):
                copy = kind()
                copy.CopyFrom(item)
                if self.hide_secrets and hasattr(copy, "auth_password") and copy.auth_password:
                    copy.auth_password = "****"
                items.append(copy)
        return response(items=items)

    async def list_inbound_trunk(self, request):
        return self.listed(api.SIPInboundTrunkInfo, api.ListSIPInboundTrunkResponse)

    async def list_outbound_trunk(self, request):
        response = self.listed(api.SIPOutboundTrunkInfo, api.ListSIPOutboundTrunkResponse)
        if request.trunk_ids:
            kept = [t for t in response.items if t.sip_trunk_id in request.trunk_ids]
            return api.ListSIPOutboundTrunkResponse(items=kept)
        return response

    async def list_dispatch_rule(self, request):
        return self.listed(api.SIPDispatchRuleInfo, api.ListSIPDispatchRuleResponse)

    async def create_inbound_trunk(self, request):
        self.requests.append(("create_inbound_trunk", request))
        return self.store("ST_in", "sip_trunk_id", request.trunk)

    async def create_outbound_trunk(self, request):
        self.requests.append(("create_outbound_trunk", request))
        return self.store("ST_out", "sip_trunk_id", request.trunk)

    async def create_dispatch_rule(self, request):
        self.requests.append(("create_dispatch_rule", request))
        return self.store("SDR", "sip_dispatch_rule_id", request.dispatch_rule)

    async def update_inbound_trunk(self, trunk_id, trunk):
        self.requests.append(("update_inbound_trunk", trunk_id))
        return self.replace(trunk_id, trunk)

    async def update_outbound_trunk(self, trunk_id, trunk):
        self.requests.append(("update_outbound_trunk", trunk_id))
        return self.replace(trunk_id, trunk)

    async def update_dispatch_rule(self, rule_id, rule):
        self.requests.append(("update_dispatch_rule", rule_id))
        return self.replace(rule_id, rule)

    async def create_sip_participant(self, create, **options):
        self.requests.append(("create_sip_participant", create))
        return api.SIPParticipantInfo(participant_identity=create.participant_identity)

    async def transfer_sip_participant(self, transfer, **options):
        self.requests.append(("transfer_sip_participant", transfer))
        if self.transfer_error is not None:
            raise self.transfer_error
        return self.transfer_response


def sip_client(server: FakeSIPServer) -> Any:
    """A `SipService` whose methods are livekit's signatures backed by `server`."""
    client = create_autospec(SipService, instance=True, spec_set=True)
    for name in dir(FakeSIPServer):
        if name.startswith(("list_", "create_", "update_", "transfer_")):
            getattr(client, name).side_effect = getattr(server, name)
    return client


def test_the_fake_sip_client_refuses_what_livekit_does_not_have() -> None:
    client = sip_client(FakeSIPServer())
    with pytest.raises(AttributeError):
        client.create_trunk  # noqa: B018 - not a SipService method
    with pytest.raises(TypeError):
        client.update_inbound_trunk("ST_1")  # livekit's signature needs the trunk too


def test_definitions_load_into_livekit_protos() -> None:
    definitions = load_definitions(DEFINITIONS)
    assert definitions.inbound_trunk.message.numbers
    agents = definitions.dispatch_rule.message.room_config.agents
    assert [a.agent_name for a in agents] == ["{{ cookiecutter.__agent_name }}"]
    # One room per call, named after the number called (yours), never the caller's number.
    rule = definitions.dispatch_rule.message.rule
    assert rule.WhichOneof("rule") == "dispatch_rule_callee"
    assert rule.dispatch_rule_callee.randomize


def copy_definitions(tmp_path: Path) -> Path:
    for name in ("inbound-trunk.json", "outbound-trunk.json", "dispatch-rule.json"):
        (tmp_path / name).write_text((DEFINITIONS / name).read_text())
    return tmp_path


def test_a_broken_definition_names_the_file(tmp_path: Path) -> None:
    copy_definitions(tmp_path)
    (tmp_path / "inbound-trunk.json").write_text(json.dumps({"name": "x", "numbrs": []}))
    with pytest.raises(DefinitionError, match=r"inbound-trunk\.json"):
        load_definitions(tmp_path)


def test_a_definition_may_not_set_what_the_server_assigns(tmp_path: Path) -> None:
    copy_definitions(tmp_path)
    rule = json.loads((tmp_path / "dispatch-rule.json").read_text())
    (tmp_path / "dispatch-rule.json").write_text(json.dumps({**rule, "sipDispatchRuleId": "SDR_1"}))
    with pytest.raises(DefinitionError, match="sip_dispatch_rule_id"):
        load_definitions(tmp_path)


async def test_provisioning_creates_once_then_is_idempotent() -> None:
    server, wanted = FakeSIPServer(), load_definitions(DEFINITIONS)
    sip = sip_client(server)

    first = await provision(sip, wanted, dry_run=False)
    second = await provision(sip, wanted, dry_run=False)

    assert first == [
        f"created inbound trunk {wanted.inbound_trunk.name} (ST_in_0)",
        f"created outbound trunk {wanted.outbound_trunk.name} (ST_out_1)",
        f"created dispatch rule {wanted.dispatch_rule.name} (SDR_2)",
    ]
    # The server stamped created_at/updated_at; those are not differences.
    assert all(item.created_at.seconds for item in server.objects.values())
    assert second == [line.replace("created", "unchanged") for line in first]
    assert [name for name, _ in server.requests] == [
        "create_inbound_trunk",
        "create_outbound_trunk",
        "create_dispatch_rule",
    ]


async def test_a_changed_definition_updates_in_place_and_dry_run_sends_nothing() -> None:
    server, wanted = FakeSIPServer(), load_definitions(DEFINITIONS)
    sip = sip_client(server)
    await provision(sip, wanted, dry_run=False)
    wanted.inbound_trunk.message.numbers.append("+15105550199")

    preview = await provision(sip, wanted, dry_run=True)
    name = wanted.inbound_trunk.name
    assert preview[0] == f"would update inbound trunk {name} (ST_in_0): numbers"
    assert len(server.requests) == 3

    applied = await provision(sip, wanted, dry_run=False)
    assert applied[0] == f"updated inbound trunk {name} (ST_in_0): numbers"
    assert server.requests[-1] == ("update_inbound_trunk", "ST_in_0")
    assert list(server.objects["ST_in_0"].numbers)[-1] == "+15105550199"
    again = await provision(sip, wanted, dry_run=False)
    assert again[0].startswith("unchanged inbound trunk")


async def test_turning_a_setting_off_in_the_file_is_applied(tmp_path: Path) -> None:
    server = FakeSIPServer()
    sip = sip_client(server)
    await provision(sip, load_definitions(copy_definitions(tmp_path)), dry_run=False)
    trunk = json.loads((tmp_path / "inbound-trunk.json").read_text())
    (tmp_path / "inbound-trunk.json").write_text(json.dumps({**trunk, "krisp_enabled": False}))

    lines = await provision(sip, load_definitions(tmp_path), dry_run=False)

    assert lines[0].endswith("(ST_in_0): krisp_enabled")
    assert server.objects["ST_in_0"].krisp_enabled is False


async def test_a_password_set_in_the_dashboard_survives_an_update() -> None:
    server, wanted = FakeSIPServer(), load_definitions(DEFINITIONS)
    sip = sip_client(server)
    await provision(sip, wanted, dry_run=False)
    server.objects["ST_out_1"].auth_username = "carrier-user"
    server.objects["ST_out_1"].auth_password = "set-in-dashboard"
    wanted.outbound_trunk.message.auth_username = "carrier-user"
    wanted.outbound_trunk.message.address = "sip.other-carrier.com"

    lines = await provision(sip, wanted, dry_run=False)

    assert lines[1].endswith("(ST_out_1): address")
    assert server.objects["ST_out_1"].auth_password == "set-in-dashboard"


async def test_a_server_that_hides_passwords_is_still_idempotent() -> None:
    server, wanted = FakeSIPServer(hide_secrets=True), load_definitions(DEFINITIONS)
    sip = sip_client(server)
    wanted.outbound_trunk.message.auth_username = "carrier-user"
    wanted.outbound_trunk.message.auth_password = "from-this-machine"
    await provision(sip, wanted, dry_run=False)

    again = await provision(sip, wanted, dry_run=False)

    assert again[1].startswith("unchanged outbound trunk")
    assert server.objects["ST_out_1"].auth_password == "from-this-machine"


async def test_an_update_that_would_erase_a_hidden_password_is_refused() -> None:
    server, wanted = FakeSIPServer(hide_secrets=True), load_definitions(DEFINITIONS)
    sip = sip_client(server)
    await provision(sip, wanted, dry_run=False)
    server.objects["ST_out_1"].auth_username = "carrier-user"
    server.objects["ST_out_1"].auth_password = "set-in-dashboard"
    wanted.outbound_trunk.message.auth_username = "carrier-user"
    wanted.outbound_trunk.message.address = "sip.other-carrier.com"

    lines = await provision(sip, wanted, dry_run=False)

    assert lines[1].startswith("not updating outbound trunk")
    assert "auth_password" in lines[1]
    assert server.objects["ST_out_1"].auth_password == "set-in-dashboard"
    assert "update_outbound_trunk" not in [name for name, _ in server.requests]


# -- Which numbers may be dialled ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "patterns", "reason"),
    [
        ("555-0123", ["+1*"], "not E.164"),
        ("+1415５５５0123", ["+1*"], "not E.164"),  # fullwidth digits  # noqa: RUF001
        ("+14155550123", [], "SIP_ALLOWED_NUMBERS is empty"),
        ("+442071234567", ["+1415*"], "not in SIP_ALLOWED_NUMBERS"),
        ("+19005551234", ["+1*"], "premium-rate"),
        ("+449091234567", ["+44*"], "premium-rate"),
    ],
)
def test_destinations_outside_the_rules_are_refused(
    number: str, patterns: list[str], reason: str
) -> None:
    with pytest.raises(NumberRefusedError, match=reason):
        check_destination(number, patterns, allow_premium_rate=False)


def test_allowed_numbers_are_normalised() -> None:
    assert check_destination("+1 (415) 555-0123", ["+1415*"], allow_premium_rate=False) == (
        "+14155550123"
    )


def test_premium_rate_numbers_need_the_setting() -> None:
    assert check_destination("+19005551234", ["+1*"], allow_premium_rate=True) == "+19005551234"


def test_numbers_are_masked_to_their_last_four_digits() -> None:
    assert mask("+14155550123") == "***0123"
    assert mask(None) == "(no number)"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("+19005550123", "not in SIP_ALLOWED_NUMBERS"),
        ("+1415５５５0123", "not E.164"),  # noqa: RUF001
    ],
)
def test_dial_command_refuses_a_number_before_any_request(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    number: str,
    reason: str,
) -> None:
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_1")
    assert telephony_command(["dial", number]) == 2
    assert reason in capsys.readouterr().err
    assert livekit_server.sip.mock_calls == []
    assert livekit_server.dispatches == []


def test_dial_command_refuses_premium_rate_under_a_broad_allow_list(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1*")
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_1")
    assert telephony_command(["dial", "+19005551234"]) == 2
    error = capsys.readouterr().err
    assert "premium-rate" in error
    assert "SIP_ALLOW_PREMIUM_RATE" in error
    assert "9005551234" not in error  # masked
    assert livekit_server.sip.mock_calls == []


@pytest.fixture
def livekit_server(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Points the commands' `api.LiveKitAPI()` at a fake server with livekit's signatures."""
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.setenv(name, "set")
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    monkeypatch.delenv("SIP_ALLOW_PREMIUM_RATE", raising=False)
    sip_server = FakeSIPServer()
    dispatches: list[api.CreateAgentDispatchRequest] = []

    async def create_dispatch(request: api.CreateAgentDispatchRequest) -> api.AgentDispatch:
        dispatches.append(request)
        return api.AgentDispatch(agent_name=request.agent_name, room=request.room)

    dispatch_service = create_autospec(AgentDispatchService, instance=True, spec_set=True)
    dispatch_service.create_dispatch.side_effect = create_dispatch
    sip = sip_client(sip_server)

    class FakeLiveKitAPI:
        def __init__(self) -> None:
            self.sip, self.agent_dispatch = sip, dispatch_service

        async def __aenter__(self) -> FakeLiveKitAPI:
            return self

        async def __aexit__(self, *exc_info: object) -> None:
            return None

    monkeypatch.setattr(api, "LiveKitAPI", FakeLiveKitAPI)
    return SimpleNamespace(sip=sip, server=sip_server, dispatches=dispatches)


def test_dial_command_needs_a_trunk_id(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SIP_OUTBOUND_TRUNK_ID", raising=False)
    assert telephony_command(["dial", "+14155550123"]) == 2
    assert "SIP_OUTBOUND_TRUNK_ID" in capsys.readouterr().err
    assert livekit_server.dispatches == []


@pytest.mark.parametrize(
    "server_answer",
    [
        None,  # the server lists no trunk with that id
        api.ServerError("not_found", "requested sip trunk does not exist", status=404),
        api.ServerError("invalid_argument", "invalid trunk id", status=400),
    ],
    ids=["empty list", "not_found", "invalid_argument"],
)
def test_dial_command_explains_a_wrong_trunk_id(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    server_answer: api.ServerError | None,
) -> None:
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_typo")
    if server_answer is not None:
        livekit_server.sip.list_outbound_trunk.side_effect = server_answer

    assert telephony_command(["dial", "+14155550123"]) == 2

    error = capsys.readouterr().err
    assert "SIP_OUTBOUND_TRUNK_ID=ST_typo is not an outbound trunk" in error
    assert "copy the outbound trunk id it prints" in error
    assert "Traceback" not in error
    assert livekit_server.dispatches == []


@pytest.mark.parametrize(
    ("command", "server_answer", "message"),
    [
        (
            ["dial", "+14155550123"],
            api.ServerError("unauthenticated", "invalid token", status=401),
            "LiveKit rejected LIVEKIT_API_KEY / LIVEKIT_API_SECRET (invalid token)",
        ),
        (
            ["provision", "--dry-run"],
            api.ServerError("permission_denied", "no sip admin grant", status=403),
            "LiveKit rejected LIVEKIT_API_KEY / LIVEKIT_API_SECRET (no sip admin grant)",
        ),
        (
            ["provision"],
            api.ServerError("invalid_argument", "numbers: not E.164", status=400),
            "LiveKit refused the request: numbers: not E.164",
        ),
    ],
    ids=["dial, rejected key", "dry run, rejected key", "provision, rejected field"],
)
def test_commands_report_what_the_server_rejected_in_one_line(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    server_answer: api.ServerError,
    message: str,
) -> None:
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_0")
    monkeypatch.chdir(DEFINITIONS.parent)
    livekit_server.sip.list_outbound_trunk.side_effect = server_answer
    livekit_server.sip.create_inbound_trunk.side_effect = server_answer

    assert telephony_command(command) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{command[0]}: {message}")


@pytest.mark.parametrize(
    "command", [["provision", "--dry-run"], ["dial", "+14155550123"]], ids=lambda c: c[0]
)
def test_commands_name_livekit_url_when_the_server_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    # Port 9 (discard) on this machine: nothing listens, the connection is refused at once.
    monkeypatch.setenv("LIVEKIT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LIVEKIT_API_KEY", "APIunreachable")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "a-secret-long-enough-to-sign-hs256-tokens")
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_0")
    monkeypatch.chdir(DEFINITIONS.parent)

    assert telephony_command(command) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{command[0]}: cannot reach the LiveKit server at LIVEKIT_URL=")
    assert "http://127.0.0.1:9" in line


async def provisioned_outbound_trunk(server: FakeSIPServer) -> str:
    await provision(sip_client(server), load_definitions(DEFINITIONS), dry_run=False)
    return next(i for i, o in server.objects.items() if isinstance(o, api.SIPOutboundTrunkInfo))


def test_dial_command_dispatches_the_agent_with_the_number(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    trunk_id = asyncio.run(provisioned_outbound_trunk(livekit_server.server))
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", trunk_id)

    assert telephony_command(["dial", "+1 415 555 0123"]) == 0

    [dispatch] = livekit_server.dispatches
    assert dispatch.agent_name == "{{ cookiecutter.__agent_name }}"
    assert dispatch.room.startswith("call-out-")
    assert "5550123" not in dispatch.room  # room names show up in dashboards and logs
    # What the agent reads back from the job before its session starts.
    userdata = calls.userdata_for_job(dispatch.metadata)
    assert (userdata.outbound, userdata.phone_number) == (True, "+14155550123")
    out = capsys.readouterr().out
    assert "it will dial ***0123" in out
    assert "5550123" not in out


def test_job_metadata_is_checked_again_by_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1*")
    monkeypatch.delenv("SIP_ALLOW_PREMIUM_RATE", raising=False)
    assert calls.outbound_number("") is None
    assert calls.outbound_number("{}") is None
    assert calls.outbound_number(json.dumps({"phone_number": "+14155550123"})) == "+14155550123"
    with pytest.raises(NumberRefusedError, match="premium-rate"):
        calls.outbound_number(json.dumps({"phone_number": "+19005550123"}))
    monkeypatch.setenv("SIP_ALLOW_PREMIUM_RATE", "true")
    assert calls.outbound_number(json.dumps({"phone_number": "+19005550123"}))


# -- A call, with the room and LiveKit's services recorded -----------------------------------

ROOM = "call-room"
CALLER = "sip_caller"
CALLER_NUMBER = "+14155550123"
HUMAN = "+14155550199"
OUTBOUND = json.dumps({"phone_number": CALLER_NUMBER})  # as the dial command sends it
# AMD's timings, shortened: a verdict as soon as the greeting's silence and end of turn allow.
FAST_AMD: DetectionOptions = {
    "human_silence_threshold": 0.0,
    "machine_silence_threshold": 0.0,
    "max_endpointing_delay": 0.0,
    "no_speech_threshold": 0.05,
    "timeout": 2.0,
}


class PhoneCall:
    """One phone call without a phone network.

    livekit's own job context (`fake_job_context`) runs around stand-ins for the room and the
    SIP and room services, built with `create_autospec` on livekit's classes, so a renamed
    method or a changed signature fails. Every request, what the agent says and hears, and
    the job's shutdown go into `events` in the order they happen.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.events: list[tuple[str, Any]] = []
        self.ended = asyncio.Event()
        self.callee: Callable[[], None] | None = None  # what the callee does on answering
        self.dial_error: Exception | None = None
        self.transfer_error: Exception | None = None
        self.transfer_response = api.TransferSIPParticipantResponse(
            status=api.SIPTransferStatus.STS_TRANSFER_SUCCESSFUL
        )
        self.sip = create_autospec(SipService, instance=True, spec_set=True)
        self.sip.create_sip_participant.side_effect = self.create_sip_participant
        self.sip.transfer_sip_participant.side_effect = self.transfer_sip_participant
        self.rooms = create_autospec(RoomService, instance=True, spec_set=True)
        self.rooms.delete_room.side_effect = self.delete_room
        self.rooms.move_participant.side_effect = self.move_participant
        self.listeners = rtc.EventEmitter[str]()
        self.room = create_autospec(rtc.Room, instance=True, spec_set=True)
        self.room.name = ROOM
        self.room.on.side_effect = self.listeners.on
        self.room.off.side_effect = self.listeners.off
        self.room.local_participant = create_autospec(
            rtc.LocalParticipant, instance=True, spec_set=True
        )
        self.room.local_participant.publish_dtmf.side_effect = self.publish_dtmf
        self._shutting_down = False
        self.ctx: JobContext | None = None
        self.changed = asyncio.Event()  # set on every event and agent state change

    @contextlib.contextmanager
    def job(self, metadata: str = "") -> Iterator[JobContext]:
        with fake_job_context(room=self.room, job_metadata=metadata) as ctx:
            client = create_autospec(api.LiveKitAPI, instance=True)
            client.sip, client.room = self.sip, self.rooms
            vars(ctx)["api"] = client  # JobContext.api is a cached_property: its cached value
            # A worker's job, not console mode: delete_room reaches the room service.
            self.monkeypatch.setattr(ctx, "is_fake_job", lambda: False)
            self.monkeypatch.setattr(ctx, "shutdown", self.shutdown)
            self.monkeypatch.setattr(ctx, "wait_for_participant", self.caller_joins)
            self.ctx = ctx
            yield ctx

    def listen(self, session: AgentSession[UserData]) -> None:
        def added(event: ConversationItemAddedEvent) -> None:
            item = event.item
            if isinstance(item, llm.ChatMessage) and item.text_content:
                who = "said" if item.role == "assistant" else "heard"
                self.record(who, item.text_content)

        session.on("conversation_item_added", added)
        session.on("agent_state_changed", lambda _: self.changed.set())

    def record(self, name: str, what: Any) -> None:
        self.events.append((name, what))
        self.changed.set()

    async def wait_until(self, done: Callable[[], bool]) -> None:
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 5)

    # What livekit's job process does on ctx.shutdown(): once, after the entrypoint and the
    # session are done, it runs the shutdown callbacks (ipc/job_proc_lazy_main.py).
    # Like the job process, only the first call counts.
    def shutdown(self, reason: str = "user requested") -> None:
        if self._shutting_down:
            return
        self._shutting_down = True
        self.record("shutdown", reason)
        asyncio.get_running_loop().create_task(self.run_shutdown_callbacks(reason))

    async def run_shutdown_callbacks(self, reason: str) -> None:
        assert self.ctx is not None
        await asyncio.gather(*(callback(reason) for callback in self.ctx._shutdown_callbacks))
        self.ended.set()

    async def caller_joins(self, **_: Any) -> rtc.RemoteParticipant:
        caller = create_autospec(rtc.RemoteParticipant, instance=True, spec_set=True)
        caller.identity = CALLER
        caller.kind = rtc.ParticipantKind.PARTICIPANT_KIND_SIP
        caller.attributes = {"sip.phoneNumber": CALLER_NUMBER}
        return caller

    async def create_sip_participant(self, create: Any, **options: Any) -> Any:
        self.record("create_sip_participant", create)
        if self.dial_error is not None:
            raise self.dial_error
        if self.callee is not None:
            asyncio.get_running_loop().call_soon(self.callee)
        return api.SIPParticipantInfo(participant_identity=create.participant_identity)

    async def transfer_sip_participant(self, transfer: Any, **options: Any) -> Any:
        self.record("transfer_sip_participant", transfer)
        if self.transfer_error is not None:
            raise self.transfer_error
        return self.transfer_response

    async def delete_room(self, delete: Any) -> Any:
        self.record("delete_room", delete)
        return api.DeleteRoomResponse()

    async def move_participant(self, move: Any) -> Any:
        self.record("move_participant", move)
        return api.MoveParticipantResponse()

    async def publish_dtmf(self, *, code: int, digit: str) -> None:
        self.record("publish_dtmf", digit)

    def key(self, digits: str) -> None:
        """The caller presses keys: the room emits `sip_dtmf_received` for each."""
        for digit in digits:
            code = dtmf_event_to_code(DtmfEvent(digit))
            self.listeners.emit("sip_dtmf_received", rtc.SipDTMF(code=code, digit=digit))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def said(self) -> list[str]:
        return [text for name, text in self.events if name == "said"]

    def sent(self, name: str) -> Any:
        [request] = [request for event, request in self.events if event == name]
        return request


@pytest.fixture
def call(monkeypatch: pytest.MonkeyPatch) -> PhoneCall:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_1")
    monkeypatch.setenv("SIP_TRANSFER_NUMBER", HUMAN)
    for name in ("SIP_TRANSFER_MODE", "SIP_ALLOW_PREMIUM_RATE", "LIVEKIT_URL"):
        monkeypatch.delenv(name, raising=False)
    return PhoneCall(monkeypatch)


def phone_llm(replies: list[Reply], *, answered_by: AMDCategory | None = None) -> ScriptedLLM:
    """The scripted LLM for the agent. Without LiveKit Inference credentials, AMD classifies
    the callee's greeting with the session's LLM: those requests get `answered_by`."""

    def answer(chat_ctx: llm.ChatContext) -> Reply:
{%- if cookiecutter.architecture == "realtime" %}
        if (sentence := asked_to_say(chat_ctx)) is not None:
            return Reply(sentence)
{%- endif %}
        if from_amd(chat_ctx):
            assert answered_by is not None, "AMD asked for a verdict this test does not expect"
            return Reply(tool_calls=[ToolCall("save_prediction", {"label": answered_by.value})])
        assert replies, "the scripted LLM ran out of replies"
        return replies.pop(0)

    return ScriptedLLM(answer)


{% if cookiecutter.architecture == "realtime" -%}
def asked_to_say(request: llm.ChatContext) -> str | None:
    """The fixed sentence `calls.announce` asked the model to say, which it says as asked."""
    prefix = calls.SAY_VERBATIM.format(text="")
    last = request.items[-1] if request.items else None
    text = last.text_content if isinstance(last, llm.ChatMessage) else None
    if text and prefix in text:
        return text[text.index(prefix) + len(prefix) :].strip()
    return None


{% endif -%}
def from_amd(request: llm.ChatContext) -> bool:
    first = request.items[0] if request.items else None
    return isinstance(first, llm.ChatMessage) and first.text_content == AMD_PROMPT


def agent_requests(model: ScriptedLLM) -> list[llm.ChatContext]:
{%- if cookiecutter.architecture == "realtime" %}
    """The model's own turns: neither AMD's questions nor the fixed sentences it was given."""
    return [
        request
        for request in model.requests
        if not from_amd(request) and asked_to_say(request) is None
    ]
{%- else %}
    return [request for request in model.requests if not from_amd(request)]
{%- endif %}


def callee_says(session: AgentSession[UserData], transcript: str) -> None:
    """What livekit's audio recognition does when the callee speaks while AMD listens: AMD
    hears the speech start, its transcript and its end; then the finished turn asks for a
    reply, which AMD holds back until its verdict."""
    amd = session.amd
    assert amd is not None, "the callee spoke before AMD listened"
    amd._on_user_speech_started()
    amd._on_transcript(transcript)
    amd._on_user_speech_ended(silence_duration=0.0)
    session.generate_reply(user_input=transcript)


async def outbound_call(
    call: PhoneCall, model: ScriptedLLM, *, until: Callable[[], bool] = lambda: True
) -> None:
    """The entry point's order: userdata from the job, session.start, then start_call."""
    with call.job(OUTBOUND) as ctx:
        userdata = calls.prepare_call(ctx)
        assert userdata is not None
        async with AgentSession[UserData](llm=model, userdata=userdata) as session:
            call.listen(session)
            await session.start(EntryAgent())
            assert model.requests == []  # nothing said to a phone that is still ringing
            await calls.start_call(ctx, session, detection=FAST_AMD)
            with contextlib.suppress(ActivityClosedError):
                await session.wait_for_idle()
            await call.wait_until(until)
        await asyncio.wait_for(call.ended.wait(), 5)


async def test_a_person_who_answers_is_greeted_once(call: PhoneCall) -> None:
    model = phone_llm(
        [Reply("Hi, this is the assistant from the shop, calling you back.")],
        answered_by=AMDCategory.HUMAN,
    )
    call.callee = lambda: callee_says(session_of(call), "Hello?")

    await outbound_call(call, model)

    assert call.names() == [
        "create_sip_participant",
        "heard",
        "said",
        "shutdown",
        "delete_room",
    ]
    assert call.said() == ["Hi, this is the assistant from the shop, calling you back."]
    dialled = call.sent("create_sip_participant")
    assert (dialled.room_name, dialled.sip_call_to, dialled.sip_trunk_id) == (
        ROOM,
        CALLER_NUMBER,
        "ST_out_1",
    )
    assert dialled.wait_until_answered
    # The one greeting answered the callee's "Hello?" knowing that the agent placed the call.
    [greeting] = agent_requests(model)
    assert greeting.items[-1].text_content == "Hello?"
    assert calls.OUTBOUND_CONTEXT in greeting.items[0].text_content
    assert call.sent("delete_room").room == ROOM


async def test_a_callee_who_says_nothing_is_greeted_once(call: PhoneCall) -> None:
    # No speech: AMD settles on "uncertain" when its no-speech timer runs out.
    model = phone_llm([Reply("Hello, this is the assistant calling you back.")])

    await outbound_call(call, model)

    assert call.names() == ["create_sip_participant", "said", "shutdown", "delete_room"]
    [greeting] = agent_requests(model)
    assert greeting.items[-1].text_content == calls.SILENT_CALLEE


async def test_a_voicemail_gets_the_message_then_the_call_ends(call: PhoneCall) -> None:
    # The reply the greeting's turn asks for is generated, held by AMD, then dropped.
    model = phone_llm([Reply("Hi Sam!")], answered_by=AMDCategory.MACHINE_VM)
    greeting = "Hi, you have reached Sam. Please leave a message after the tone."
    call.callee = lambda: callee_says(session_of(call), greeting)

    await outbound_call(call, model)

    assert call.names() == [
        "create_sip_participant",
        "heard",
        "said",
        "shutdown",
        "delete_room",
    ]
    assert call.said() == [calls.VOICEMAIL_MESSAGE]
    assert call.events[3] == ("shutdown", "left a voicemail")


async def test_a_full_mailbox_gets_no_message(call: PhoneCall) -> None:
    model = phone_llm([Reply("Hello?")], answered_by=AMDCategory.MACHINE_UNAVAILABLE)
    call.callee = lambda: callee_says(session_of(call), "The mailbox is full. Goodbye.")

    await outbound_call(call, model)

    assert call.names() == ["create_sip_participant", "heard", "shutdown", "delete_room"]
    assert call.events[2] == ("shutdown", "mailbox full or not set up")


async def test_a_phone_menu_is_navigated_with_keys_not_given_the_voicemail(
    call: PhoneCall,
) -> None:
    menu = "For sales press 1. For anything else press 2."
    model = phone_llm(
        [
            Reply("Hi!"),  # the reply to the menu's turn: held by AMD, then dropped
            Reply(tool_calls=[ToolCall("send_dtmf_events", {"events": ["2"]})]),
            Reply("Hello, I am calling for Sam."),
        ],
        answered_by=AMDCategory.MACHINE_IVR,
    )
    call.callee = lambda: callee_says(session_of(call), menu)

    await outbound_call(call, model, until=lambda: bool(call.said()))

    assert call.names() == [
        "create_sip_participant",
        "heard",
        "publish_dtmf",
        "said",
        "shutdown",
        "delete_room",
    ]
    assert call.sent("publish_dtmf") == "2"
    assert call.said() == ["Hello, I am calling for Sam."]
    navigation = agent_requests(model)[1]
    assert any(menu in (item.text_content or "") for item in navigation.messages())


@pytest.mark.parametrize(
    ("sip_status", "outcome"),
    [((480, "Temporarily Unavailable"), "no answer"), ((486, "Busy Here"), "busy")],
    ids=["no answer", "busy"],
)
async def test_an_unanswered_call_ends_the_job_without_speaking(
    call: PhoneCall,
    caplog: pytest.LogCaptureFixture,
    sip_status: tuple[int, str],
    outcome: str,
) -> None:
    code, status = sip_status
    call.dial_error = api.SipCallError(
        "unavailable",
        "call failed",
        status=503,
        metadata={"sip_status_code": str(code), "sip_status": status},
    )
    model = phone_llm([])

    await outbound_call(call, model)

    assert call.names() == ["create_sip_participant", "shutdown", "delete_room"]
    assert call.events[1] == ("shutdown", f"callee {outcome}")
    assert model.requests == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"outbound call to ***0123: {outcome} (SIP {code} {status})" in logged
    assert "5550123" not in logged.replace("***0123", "")


async def test_a_wrong_trunk_id_in_the_worker_ends_the_job_without_speaking(
    call: PhoneCall,
) -> None:
    call.dial_error = api.ServerError("not_found", "requested sip trunk does not exist", status=404)
    model = phone_llm([])

    await outbound_call(call, model)

    assert call.names() == ["create_sip_participant", "shutdown", "delete_room"]
    assert call.events[1] == ("shutdown", "dial failed")
    assert model.requests == []


@pytest.mark.parametrize(
    "metadata",
    ["not json", "null", "[1, 2]", json.dumps({"phone_number": 14155550123}), OUTBOUND[:-1]],
    ids=["text", "null", "list", "numeric number", "truncated"],
)
async def test_malformed_job_metadata_is_refused_in_one_log_line(
    call: PhoneCall, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    with call.job(metadata) as ctx:
        assert calls.prepare_call(ctx) is None
        await asyncio.wait_for(call.ended.wait(), 5)

    assert call.names() == ["shutdown", "delete_room"]
    [refusal] = [r for r in caplog.records if r.name == calls.logger.name]
    assert refusal.getMessage().startswith("refusing the job: ")


async def test_a_job_asking_for_a_refused_number_ends_before_the_session(
    call: PhoneCall,
) -> None:
    with call.job(json.dumps({"phone_number": "+19005550123"})) as ctx:
        assert calls.prepare_call(ctx) is None
        await asyncio.wait_for(call.ended.wait(), 5)
    assert call.events[0] == ("shutdown", "job metadata refused")


def test_an_inbound_job_is_not_outbound() -> None:
    userdata = calls.userdata_for_job("")
    assert not userdata.outbound
    assert not userdata.waiting_for_callee()


@pytest.mark.parametrize("agent", CALL_AGENTS, ids=lambda agent: agent.__name__)
def test_the_call_agents_have_the_call_controls(agent: type[Agent]) -> None:
    tools = {tool.id for tool in agent().tools}
    assert {"transfer_to_human", "collect_digits", "end_call"} <= tools


async def inbound_call(
    call: PhoneCall,
    model: ScriptedLLM,
    caller: Callable[[AgentSession[UserData]], Any],
) -> None:
    """An inbound call in the entry point's order; `caller` plays the caller's part."""
    with call.job() as ctx:
        userdata = calls.prepare_call(ctx)
        assert userdata is not None
        async with AgentSession[UserData](llm=model, userdata=userdata) as session:
            call.listen(session)
            await session.start(EntryAgent())
            await calls.start_call(ctx, session)
            await call.wait_until(lambda: bool(call.said()))  # the caller hears the greeting
            await caller(session)
        await asyncio.wait_for(call.ended.wait(), 5)


async def test_an_answered_inbound_call_ends_when_the_caller_hangs_up(
    call: PhoneCall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=calls.logger.name)
    model = phone_llm([Reply("Hello, how can I help?"), Reply("We open at nine.")])

    async def caller(session: AgentSession[UserData]) -> None:
        await session.run(user_input="When do you open?")
        assert session.userdata.caller_identity == CALLER

    await inbound_call(call, model, caller)

    assert call.events[:4] == [
        ("said", "Hello, how can I help?"),
        ("heard", "When do you open?"),
        ("said", "We open at nine."),
        ("shutdown", "session closed: user_initiated"),
    ]
    assert call.names()[4:] == ["delete_room"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "call from ***0123" in logged
    assert CALLER_NUMBER not in logged


async def test_a_caller_who_hangs_up_mid_reply_ends_the_call(call: PhoneCall) -> None:
    never = asyncio.Event()
    model = phone_llm([Reply("Hello!"), Reply("Our opening hours are...", until=never)])

    async def caller(session: AgentSession[UserData]) -> None:
        session.generate_reply(user_input="When do you open?")
        await call.wait_until(lambda: session.agent_state == "thinking")
        # The caller hangs up: livekit's RoomIO closes the session (close_on_disconnect).
        session.shutdown(drain=False)

    await inbound_call(call, model, caller)

    assert call.said() == ["Hello!"]
    assert call.names()[-2:] == ["shutdown", "delete_room"]
    assert len(agent_requests(model)) == 2


async def test_end_call_says_goodbye_even_when_the_model_only_calls_the_tool(
    call: PhoneCall,
) -> None:
    model = phone_llm(
        [Reply("Hello!"), Reply(tool_calls=[ToolCall("end_call")]), Reply("Goodbye, Sam!")]
    )

    async def caller(session: AgentSession[UserData]) -> None:
        await session.run(user_input="That's all, thanks.")
        await asyncio.wait_for(call.ended.wait(), 5)

    await inbound_call(call, model, caller)

    assert call.said() == ["Hello!", "Goodbye, Sam!"]
    goodbye = call.events.index(("said", "Goodbye, Sam!"))
    assert call.names()[goodbye + 1 :][-1] == "delete_room"
    assert "shutdown" in call.names()[goodbye + 1 :]
    assert call.names().count("delete_room") == 1


async def test_a_cold_transfer_tells_the_caller_and_rings_with_a_dial_tone(
    call: PhoneCall,
) -> None:
    model = phone_llm([Reply("Hello!"), Reply("Of course.", [ToolCall("transfer_to_human")])])

    async def caller(session: AgentSession[UserData]) -> None:
        result = await session.run(user_input="Can I talk to a person?")
        result.expect.contains_function_call(name="transfer_to_human")

    await inbound_call(call, model, caller)

    assert call.names() == [
        "said",
        "heard",
        "said",
        "said",
        "transfer_sip_participant",
        "shutdown",
        "delete_room",
    ]
    assert call.said()[-1] == calls.TRANSFER_NOTICE
    transfer = call.sent("transfer_sip_participant")
    assert (transfer.room_name, transfer.participant_identity, transfer.transfer_to) == (
        ROOM,
        CALLER,
        f"tel:{HUMAN}",
    )
    assert transfer.play_dialtone
    assert call.events[5] == ("shutdown", "transferred to a person")
    assert len(agent_requests(model)) == 2  # no reply after the caller has gone


@pytest.mark.parametrize("failure", ["sip error", "failed status"])
async def test_a_failed_cold_transfer_keeps_the_caller_with_the_agent(
    call: PhoneCall, failure: str
) -> None:
    if failure == "sip error":
        call.transfer_error = api.SipCallError(
            "unavailable",
            "transfer failed",
            status=503,
            metadata={"sip_status_code": "486", "sip_status": "Busy Here"},
        )
    else:
        call.transfer_response = api.TransferSIPParticipantResponse(
            status=api.SIPTransferStatus.STS_TRANSFER_FAILED,
            reason=api.SIPTransferReason.STR_RINGING_TIMEOUT,
        )
    model = phone_llm(
        [
            Reply("Hello!"),
            Reply(tool_calls=[ToolCall("transfer_to_human")]),
            Reply("I'm sorry, nobody could pick up. Can I take a message?"),
        ]
    )

    async def caller(session: AgentSession[UserData]) -> None:
        result = await session.run(user_input="Can I talk to a person?")
        result.expect.contains_function_call_output(output=calls.TRANSFER_FAILED, is_error=True)

    await inbound_call(call, model, caller)

    assert call.said()[-2:] == [
        calls.TRANSFER_NOTICE,
        "I'm sorry, nobody could pick up. Can I take a message?",
    ]
    transfer = call.names().index("transfer_sip_participant")
    # The call went on until the caller hung up (the session closed), then ended for all.
    assert call.events[transfer + 2] == ("shutdown", "session closed: user_initiated")


async def test_transfer_without_a_number_is_a_recoverable_error(
    call: PhoneCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIP_TRANSFER_NUMBER")
    model = phone_llm(
        [
            Reply("Hello!"),
            Reply(tool_calls=[ToolCall("transfer_to_human")]),
            Reply("I can take a message."),
        ]
    )

    async def caller(session: AgentSession[UserData]) -> None:
        result = await session.run(user_input="Can I talk to a person?")
        result.expect.contains_function_call_output(is_error=True)

    await inbound_call(call, model, caller)

    assert "transfer_sip_participant" not in call.names()


@pytest.fixture
def colleague(call: PhoneCall, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The warm transfer's consultation call, up to the colleague's decision.

    WarmTransferTask places it from a second room it joins itself, which needs a LiveKit
    server; that step (`_dial_human_agent`) is replaced by one that still sends livekit's own
    dial request (`_originate_human_agent`) through the recorded SIP service and returns a
    stand-in for the consultation session. Hold music plays through a stand-in player. Once
    the task has entered, the colleague decides, as the consultation's LLM would with the
    task's `connect_to_caller` or `decline_transfer` tool.
    """
    monkeypatch.setenv("SIP_TRANSFER_MODE", "warm")
    hold_music = create_autospec(BackgroundAudioPlayer, instance=True, spec_set=True)
    state = SimpleNamespace(task=None, agrees=True, hold_music=hold_music, decisions=[])
    monkeypatch.setattr(warm_transfer, "BackgroundAudioPlayer", lambda: hold_music)

    async def dial_colleague(task: WarmTransferTask) -> AgentSession:
        consultation = create_autospec(rtc.Room, instance=True, spec_set=True)
        consultation.name = f"{ROOM}-human-agent"
        await task._originate_human_agent(
            room_name=consultation.name, identity="human-agent-sip", room=consultation
        )
        session = create_autospec(AgentSession, instance=True, spec_set=True)
        session.room_io = SimpleNamespace(room=consultation)
        state.task = task
        return session

    enter = WarmTransferTask.on_enter

    async def enter_then_decide(task: WarmTransferTask) -> None:
        await enter(task)
        decision = (
            task.connect_to_caller() if state.agrees else task.decline_transfer("in a meeting")
        )
        state.decisions.append(asyncio.get_running_loop().create_task(decision))

    monkeypatch.setattr(WarmTransferTask, "_dial_human_agent", dial_colleague)
    monkeypatch.setattr(WarmTransferTask, "on_enter", enter_then_decide)
    return state


async def test_a_warm_transfer_briefs_a_colleague_then_joins_the_caller(
    call: PhoneCall, colleague: SimpleNamespace
) -> None:
    model = phone_llm([Reply("Hello!"), Reply("Of course.", [ToolCall("transfer_to_human")])])

    async def caller(session: AgentSession[UserData]) -> None:
        await session.run(user_input="Can I talk to a person?")
        await call.wait_until(lambda: calls.WARM_TRANSFER_DONE in call.said())
        await session.wait_for_idle()
{%- if cookiecutter.architecture == "realtime" %}
        # The model's sentence is its own reply: the tool goes on once it has been said. livekit
        # emits no event when the output is turned off, so this polls.
        async with asyncio.timeout(5):
            while session.output.audio_enabled:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
{%- endif %}
        # The bridged call goes on without the agent, until the caller hangs up.
        assert not session.output.audio_enabled
        assert not session.input.audio_enabled
        caller_leg = await call.caller_joins()
        call.listeners.emit("participant_disconnected", caller_leg)

    await inbound_call(call, model, caller)

    assert call.names() == [
        "said",
        "heard",
        "said",
        "said",
        "create_sip_participant",
        "move_participant",
        "said",
        "delete_room",
        "shutdown",
        "delete_room",
    ]
    assert call.said()[-2:] == [calls.WARM_TRANSFER_NOTICE, calls.WARM_TRANSFER_DONE]
    consult = call.sent("create_sip_participant")
    assert (consult.sip_call_to, consult.sip_trunk_id, consult.room_name) == (
        HUMAN,
        "ST_out_1",
        f"{ROOM}-human-agent",
    )
    move = call.sent("move_participant")
    assert (move.room, move.identity, move.destination_room) == (
        f"{ROOM}-human-agent",
        "human-agent-sip",
        ROOM,
    )
    colleague.hold_music.play.assert_called_once()
    # The briefing starts from the conversation with the caller.
    assert "Can I talk to a person?" in str(colleague.task.instructions)


async def test_a_declined_warm_transfer_keeps_the_caller_with_the_agent(
    call: PhoneCall, colleague: SimpleNamespace
) -> None:
    colleague.agrees = False
    model = phone_llm(
        [
            Reply("Hello!"),
            Reply(tool_calls=[ToolCall("transfer_to_human")]),
            Reply("My colleague is busy right now. Can I take a message?"),
        ]
    )

    apology = "My colleague is busy right now. Can I take a message?"

    async def caller(session: AgentSession[UserData]) -> None:
        await session.run(user_input="Can I talk to a person?")
        await call.wait_until(lambda: apology in call.said())

    await inbound_call(call, model, caller)

    assert call.said()[-2:] == [calls.WARM_TRANSFER_NOTICE, apology]
    [output] = [
        item for item in agent_requests(model)[-1].items if isinstance(item, llm.FunctionCallOutput)
    ]
    assert (output.output, output.is_error) == (calls.TRANSFER_FAILED, True)
    assert "move_participant" not in call.names()
    # The consultation call was placed; the caller stayed with the agent until they hung up.
    assert call.names()[-5:] == [
        "said",
        "create_sip_participant",
        "said",
        "shutdown",
        "delete_room",
    ]


async def test_keyed_digits_are_collected_with_one_reply_not_one_per_key(
    call: PhoneCall,
) -> None:
    asked = "Please key in your four-digit order number, then press pound."
    model = phone_llm(
        [
            Reply("Hello!"),
            Reply(
                tool_calls=[ToolCall("collect_digits", {"count": 4, "what": "your order number"})]
            ),
            Reply(asked),
            Reply("Thanks, order 4 7 1 1 is on its way."),
        ]
    )

    async def caller(session: AgentSession[UserData]) -> None:
        session.generate_reply(user_input="Where is my order?")
        await call.wait_until(lambda: asked in call.said())
        requests_before_keys = len(model.requests)
        call.key("4711#")
        await call.wait_until(lambda: "Thanks, order 4 7 1 1 is on its way." in call.said())
        # Four keys and the terminator made one request: the one after the tool returned.
        assert len(model.requests) == requests_before_keys + 1

    await inbound_call(call, model, caller)

    tool_output = agent_requests(model)[-1].items[-1]
    assert isinstance(tool_output, llm.FunctionCallOutput)
    assert tool_output.output == "The caller gave your order number: 4711"


def session_of(call: PhoneCall) -> AgentSession[UserData]:
    """The session of the call in progress (the callee's part runs inside it)."""
    assert call.ctx is not None
    return call.ctx.primary_session
