"""Telephony without a SIP server: definitions, provisioning against a recording fake of
livekit's SIP service, the dial command's refusals, DTMF, and the call-control tools driven by
the scripted LLM with the API calls recorded instead of sent."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from livekit import api, rtc
from livekit.agents import Agent, AgentSession

from {{ cookiecutter.__package }}.telephony import CALL_CONTROL_TOOLS, calls
from {{ cookiecutter.__package }}.telephony.__main__ import main as telephony_command
from {{ cookiecutter.__package }}.telephony.numbers import NumberRefusedError, check_destination
from {{ cookiecutter.__package }}.telephony.provision import (
    DefinitionError,
    load_definitions,
    provision,
)
from {{ cookiecutter.__package }}.userdata import UserData
from tests.scripted_llm import Reply, ScriptedLLM, ToolCall

DEFINITIONS = Path(__file__).parents[2] / "telephony"


class RecordingSIP:
    """Stands in for `api.SipService`: keeps objects in memory and records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, object]] = []
        self.inbound: list[api.SIPInboundTrunkInfo] = []
        self.outbound: list[api.SIPOutboundTrunkInfo] = []
        self.rules: list[api.SIPDispatchRuleInfo] = []

    async def list_inbound_trunk(self, request):
        return SimpleNamespace(items=list(self.inbound))

    async def list_outbound_trunk(self, request):
        return SimpleNamespace(items=list(self.outbound))

    async def list_dispatch_rule(self, request):
        return SimpleNamespace(items=list(self.rules))

    async def create_inbound_trunk(self, request):
        self.requests.append(("create_inbound_trunk", request))
        trunk = api.SIPInboundTrunkInfo()
        trunk.CopyFrom(request.trunk)
        trunk.sip_trunk_id = f"ST_in{len(self.inbound)}"
        self.inbound.append(trunk)

    async def create_outbound_trunk(self, request):
        self.requests.append(("create_outbound_trunk", request))
        trunk = api.SIPOutboundTrunkInfo()
        trunk.CopyFrom(request.trunk)
        trunk.sip_trunk_id = f"ST_out{len(self.outbound)}"
        self.outbound.append(trunk)

    async def create_dispatch_rule(self, request):
        self.requests.append(("create_dispatch_rule", request))
        rule = api.SIPDispatchRuleInfo()
        rule.CopyFrom(request.dispatch_rule)
        rule.sip_dispatch_rule_id = f"SDR_{len(self.rules)}"
        self.rules.append(rule)

    async def update_inbound_trunk(self, trunk_id, trunk):
        self.requests.append(("update_inbound_trunk", trunk_id))

    async def update_outbound_trunk(self, trunk_id, trunk):
        self.requests.append(("update_outbound_trunk", trunk_id))

    async def update_dispatch_rule(self, rule_id, rule):
        self.requests.append(("update_dispatch_rule", rule_id))

    async def transfer_sip_participant(self, request):
        self.requests.append(("transfer_sip_participant", request))


def test_definitions_load_into_livekit_protos() -> None:
    definitions = load_definitions(DEFINITIONS)
    assert definitions.inbound_trunk.numbers
    agents = definitions.dispatch_rule.room_config.agents
    assert [a.agent_name for a in agents] == ["{{ cookiecutter.agent_name }}"]
    assert definitions.dispatch_rule.rule.dispatch_rule_individual.room_prefix


def test_a_broken_definition_names_the_file(tmp_path: Path) -> None:
    for name in ("inbound-trunk.json", "outbound-trunk.json", "dispatch-rule.json"):
        (tmp_path / name).write_text((DEFINITIONS / name).read_text())
    (tmp_path / "inbound-trunk.json").write_text(json.dumps({"name": "x", "numbrs": []}))
    with pytest.raises(DefinitionError, match=r"inbound-trunk\.json"):
        load_definitions(tmp_path)


async def test_provisioning_creates_once_then_is_idempotent() -> None:
    sip, wanted = RecordingSIP(), load_definitions(DEFINITIONS)

    first = await provision(sip, wanted, dry_run=False)
    second = await provision(sip, wanted, dry_run=False)

    assert [line.split()[0] for line in first] == ["created"] * 3
    assert [line.split()[0] for line in second] == ["unchanged"] * 3
    assert [name for name, _ in sip.requests] == [
        "create_inbound_trunk",
        "create_outbound_trunk",
        "create_dispatch_rule",
    ]


async def test_a_changed_definition_updates_in_place_and_dry_run_sends_nothing() -> None:
    sip, wanted = RecordingSIP(), load_definitions(DEFINITIONS)
    await provision(sip, wanted, dry_run=False)
    wanted.inbound_trunk.numbers.append("+15105550199")

    preview = await provision(sip, wanted, dry_run=True)
    assert preview[0] == f"updated inbound trunk {wanted.inbound_trunk.name} (ST_in0)"
    assert len(sip.requests) == 3

    await provision(sip, wanted, dry_run=False)
    assert sip.requests[-1] == ("update_inbound_trunk", "ST_in0")


@pytest.mark.parametrize(
    ("number", "patterns", "reason"),
    [
        ("555-0123", ["+1*"], "not an E.164"),
        ("+14155550123", [], "SIP_ALLOWED_NUMBERS is empty"),
        ("+442071234567", ["+1415*"], "not in SIP_ALLOWED_NUMBERS"),
    ],
)
def test_destinations_outside_the_rules_are_refused(
    number: str, patterns: list[str], reason: str
) -> None:
    with pytest.raises(NumberRefusedError, match=reason):
        check_destination(number, patterns)


def test_allowed_numbers_are_normalised() -> None:
    assert check_destination("+1 (415) 555-0123", ["+1415*"]) == "+14155550123"


def test_dial_command_refuses_a_number_outside_the_allow_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    assert telephony_command(["dial", "+19005550123"]) == 2
    assert "not in SIP_ALLOWED_NUMBERS" in capsys.readouterr().err


def test_dial_command_needs_a_trunk_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.setenv(name, "set")
    monkeypatch.delenv("SIP_OUTBOUND_TRUNK_ID", raising=False)
    assert telephony_command(["dial", "+14155550123"]) == 2
    assert "SIP_OUTBOUND_TRUNK_ID" in capsys.readouterr().err


def test_job_metadata_is_checked_again_by_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    assert calls.outbound_number("") is None
    assert calls.outbound_number(json.dumps({"phone_number": "+14155550123"})) == "+14155550123"
    with pytest.raises(NumberRefusedError):
        calls.outbound_number(json.dumps({"phone_number": "+19005550123"}))


async def test_a_keypad_press_reaches_the_llm() -> None:
    model = ScriptedLLM([Reply("You pressed one: billing.")])
    async with AgentSession[UserData](llm=model, userdata=UserData()) as session:
        await session.start(Agent(instructions="Phone menu."))
        await calls.on_dtmf(session, rtc.SipDTMF(code=1, digit="1", participant=None))
    assert any("pressed the 1 key" in str(r.items[-1].text_content) for r in model.requests)


@pytest.fixture
def recorded_calls(monkeypatch: pytest.MonkeyPatch) -> RecordingSIP:
    sip, rooms = RecordingSIP(), []
    monkeypatch.setattr(calls, "sip_service", lambda: sip)
    monkeypatch.setattr(calls, "room_name", lambda: "call-room")

    class Rooms:
        async def delete_room(self, request):
            rooms.append(request)
            sip.requests.append(("delete_room", request))

    monkeypatch.setattr(calls, "room_service", Rooms)
    return sip


class PhoneAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer the phone.", tools=CALL_CONTROL_TOOLS)


async def run_phone_turn(script: list[Reply], userdata: UserData):
    async with AgentSession[UserData](llm=ScriptedLLM(script), userdata=userdata) as session:
        await session.start(PhoneAgent())
        return await session.run(user_input="Can I talk to a person?")


async def test_transfer_sends_the_callers_identity_and_the_configured_number(
    recorded_calls: RecordingSIP, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIP_TRANSFER_NUMBER", "+14155550199")
    result = await run_phone_turn(
        [Reply("Let me transfer you.", [ToolCall("transfer_to_human")]), Reply("Transferring.")],
        UserData(caller_identity="sip_caller", phone_number="+14155550123"),
    )
    result.expect.contains_function_call(name="transfer_to_human")
    name, request = recorded_calls.requests[-1]
    assert name == "transfer_sip_participant"
    assert (request.room_name, request.participant_identity, request.transfer_to) == (
        "call-room",
        "sip_caller",
        "tel:+14155550199",
    )


async def test_transfer_without_a_number_is_a_recoverable_error(
    recorded_calls: RecordingSIP, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIP_TRANSFER_NUMBER", raising=False)
    result = await run_phone_turn(
        [Reply(tool_calls=[ToolCall("transfer_to_human")]), Reply("I can take a message.")],
        UserData(caller_identity="sip_caller"),
    )
    result.expect.contains_function_call_output(is_error=True)
    assert recorded_calls.requests == []


async def test_end_call_deletes_the_room(recorded_calls: RecordingSIP) -> None:
    await run_phone_turn(
        [Reply("Goodbye!", [ToolCall("end_call")]), Reply("")],
        UserData(caller_identity="sip_caller"),
    )
    assert recorded_calls.requests[-1][0] == "delete_room"
    assert recorded_calls.requests[-1][1].room == "call-room"
