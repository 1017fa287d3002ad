"""Telephony without a SIP server: definitions, provisioning against a fake LiveKit SIP server,
the dial command's refusals and errors, the order of an outbound call, DTMF, and the
call-control tools driven by the scripted LLM with the API calls recorded instead of sent.

The fakes are specced against livekit's own `SipService` / `AgentDispatchService`
(`create_autospec`), so a renamed method or a changed signature fails here, not in production.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import create_autospec

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from livekit import api, rtc
from livekit.agents import Agent, AgentSession, AMDCategory, AMDPredictionEvent
from livekit.api.agent_dispatch_service import AgentDispatchService
from livekit.api.sip_service import SipService

{% if cookiecutter.use_multi_agent -%}
from {{ cookiecutter.__package }}.team import Billing, Greeter, Sales, Support
{% else -%}
from {{ cookiecutter.__package }}.assistant import Assistant
{% endif -%}
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
    assert definitions.dispatch_rule.message.rule.dispatch_rule_individual.room_prefix


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


@pytest.fixture
def livekit_server(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Points the commands' `api.LiveKitAPI()` at a fake server with livekit's signatures."""
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.setenv(name, "set")
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
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


def test_dial_command_reports_other_server_errors(
    livekit_server: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_0")
    livekit_server.sip.list_outbound_trunk.side_effect = api.ServerError(
        "unauthenticated", "invalid token", status=401
    )
    assert telephony_command(["dial", "+14155550123"]) == 1
    assert "LiveKit refused the request: invalid token" in capsys.readouterr().err


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
    assert dispatch.room.startswith("call-14155550123-")
    # What the agent reads back from the job before its session starts.
    userdata = calls.userdata_for_job(dispatch.metadata)
    assert (userdata.outbound, userdata.phone_number) == (True, "+14155550123")
    assert "it will dial +14155550123" in capsys.readouterr().out


def test_job_metadata_is_checked_again_by_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    assert calls.outbound_number("") is None
    assert calls.outbound_number(json.dumps({"phone_number": "+14155550123"})) == "+14155550123"
    with pytest.raises(NumberRefusedError):
        calls.outbound_number(json.dumps({"phone_number": "+19005550123"}))


class AnsweredBy:
    """Stands in for livekit's AMD (which needs call audio) with a fixed verdict."""

    def __init__(self, category: AMDCategory) -> None:
        self.category = category

    def __call__(self, session: AgentSession, *, participant_identity: str) -> AnsweredBy:
        return self

    async def __aenter__(self) -> AnsweredBy:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def execute(self) -> AMDPredictionEvent:
        return AMDPredictionEvent(
            category=self.category, speech_duration=0.8, reason="", transcript="Hello?", delay=0.2
        )


class FakeJob:
    """The parts of livekit's JobContext a call uses, recorded."""

    def __init__(self, metadata: str, sip: Any) -> None:
        self.job = SimpleNamespace(metadata=metadata, id="job-1")
        self.room = SimpleNamespace(name="call-room", on=lambda event, callback: None)
        self.api = SimpleNamespace(sip=sip)
        self.shutdown_reasons: list[str] = []

    def shutdown(self, reason: str = "") -> None:
        self.shutdown_reasons.append(reason)


@pytest.fixture
def outbound_job(monkeypatch: pytest.MonkeyPatch) -> FakeJob:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    monkeypatch.setenv("SIP_OUTBOUND_TRUNK_ID", "ST_out_1")
    metadata = json.dumps({"phone_number": "+14155550123"})  # as the dial command sends it
    return FakeJob(metadata, sip_client(FakeSIPServer()))


async def test_an_outbound_call_greets_only_once_the_callee_answers(
    outbound_job: FakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "AMD", AnsweredBy(AMDCategory.HUMAN))
    model = ScriptedLLM([Reply("Hello, this is the assistant calling you back.")])
    llm_requests_when_dialled: list[int] = []
    dial = outbound_job.api.sip.create_sip_participant
    real_dial = dial.side_effect

    async def record_dial(create: api.CreateSIPParticipantRequest, **options: Any) -> Any:
        llm_requests_when_dialled.append(len(model.requests))
        return await real_dial(create, **options)

    dial.side_effect = record_dial

    # The entry point's order: userdata from the job, then session.start, then the call.
    userdata = calls.prepare_call(outbound_job)
    assert userdata is not None
    async with AgentSession[UserData](llm=model, userdata=userdata) as session:
        started = await session.start(EntryAgent(), capture_run=True)
        started.expect.next_event().is_agent_handoff(new_agent_type=EntryAgent)
        started.expect.no_more_events()
        assert model.requests == []  # nothing said to a phone that is still ringing

        await calls.start_call(outbound_job, session)

    assert llm_requests_when_dialled == [0]
    [request] = model.requests
    assert "The callee answered" in request.items[-1].text_content
    assert userdata.answered
    assert outbound_job.shutdown_reasons == []
    dialled = dial.await_args.args[0]
    assert (dialled.sip_call_to, dialled.sip_trunk_id) == ("+14155550123", "ST_out_1")


async def test_a_voicemail_gets_the_message_and_no_conversation(
    outbound_job: FakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "AMD", AnsweredBy(AMDCategory.MACHINE_VM))
    model = ScriptedLLM([])
    userdata = calls.prepare_call(outbound_job)
    async with AgentSession[UserData](llm=model, userdata=userdata) as session:
        await session.start(EntryAgent())
        await calls.start_call(outbound_job, session)
        said = [m.text_content for m in session.history.messages() if m.role == "assistant"]

    assert said == [calls.VOICEMAIL_MESSAGE]
    assert model.requests == []
    assert outbound_job.shutdown_reasons == ["voicemail"]


async def test_a_wrong_trunk_id_in_the_worker_ends_the_job_without_speaking(
    outbound_job: FakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "AMD", AnsweredBy(AMDCategory.HUMAN))
    outbound_job.api.sip.create_sip_participant.side_effect = api.ServerError(
        "not_found", "requested sip trunk does not exist", status=404
    )
    model = ScriptedLLM([])
    async with AgentSession[UserData](
        llm=model, userdata=calls.prepare_call(outbound_job)
    ) as session:
        await session.start(EntryAgent())
        await calls.start_call(outbound_job, session)

    assert model.requests == []
    assert outbound_job.shutdown_reasons == ["dial failed"]


def test_a_job_asking_for_a_refused_number_ends_before_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIP_ALLOWED_NUMBERS", "+1415*")
    job = FakeJob(json.dumps({"phone_number": "+19005550123"}), sip_client(FakeSIPServer()))
    assert calls.prepare_call(job) is None
    assert job.shutdown_reasons == ["destination not allowed"]


def test_an_inbound_job_is_not_outbound() -> None:
    userdata = calls.userdata_for_job("")
    assert not userdata.outbound
    assert not userdata.waiting_for_callee()


async def test_a_keypad_press_reaches_the_llm() -> None:
    model = ScriptedLLM([Reply("You pressed one: billing.")])
    async with AgentSession[UserData](llm=model, userdata=UserData()) as session:
        await session.start(Agent(instructions="Phone menu."))
        await calls.on_dtmf(session, rtc.SipDTMF(code=1, digit="1", participant=None))
    assert any("pressed the 1 key" in str(r.items[-1].text_content) for r in model.requests)


@pytest.mark.parametrize("agent", CALL_AGENTS, ids=lambda agent: agent.__name__)
def test_the_call_agents_can_transfer_and_hang_up(agent: type[Agent]) -> None:
    assert {"transfer_to_human", "end_call"} <= {tool.id for tool in agent().tools}


@pytest.fixture
def recorded_calls(monkeypatch: pytest.MonkeyPatch) -> FakeSIPServer:
    server = FakeSIPServer()
    monkeypatch.setattr(calls, "sip_service", lambda: sip_client(server))
    monkeypatch.setattr(calls, "room_name", lambda: "call-room")

    class Rooms:
        async def delete_room(self, request):
            server.requests.append(("delete_room", request))

    monkeypatch.setattr(calls, "room_service", Rooms)
    return server


class PhoneAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer the phone.", tools=CALL_CONTROL_TOOLS)


async def run_phone_turn(script: list[Reply], userdata: UserData):
    async with AgentSession[UserData](llm=ScriptedLLM(script), userdata=userdata) as session:
        await session.start(PhoneAgent())
        return await session.run(user_input="Can I talk to a person?")


async def test_transfer_sends_the_callers_identity_and_the_configured_number(
    recorded_calls: FakeSIPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIP_TRANSFER_NUMBER", "+14155550199")
    result = await run_phone_turn(
        [Reply("Let me transfer you.", [ToolCall("transfer_to_human")]), Reply("Transferring.")],
        UserData(caller_identity="sip_caller", phone_number="+14155550123"),
    )
    result.expect.contains_function_call(name="transfer_to_human")
    result.expect.contains_function_call_output(output="The call was transferred.", is_error=False)
    name, request = recorded_calls.requests[-1]
    assert name == "transfer_sip_participant"
    assert (request.room_name, request.participant_identity, request.transfer_to) == (
        "call-room",
        "sip_caller",
        "tel:+14155550199",
    )


@pytest.mark.parametrize(
    "failure",
    ["sip error", "failed status"],
)
async def test_a_failed_transfer_is_an_error_the_llm_can_recover_from(
    recorded_calls: FakeSIPServer, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    monkeypatch.setenv("SIP_TRANSFER_NUMBER", "+14155550199")
    if failure == "sip error":
        recorded_calls.transfer_error = api.SipCallError(
            "unavailable",
            "transfer failed",
            status=503,
            metadata={"sip_status_code": "486", "sip_status": "Busy Here"},
        )
    else:
        recorded_calls.transfer_response = api.TransferSIPParticipantResponse(
            status=api.SIPTransferStatus.STS_TRANSFER_FAILED,
            reason=api.SIPTransferReason.STR_RINGING_TIMEOUT,
        )
    result = await run_phone_turn(
        [
            Reply("Let me transfer you.", [ToolCall("transfer_to_human")]),
            Reply("I'm sorry, nobody could pick up. Can I take a message?"),
        ],
        UserData(caller_identity="sip_caller"),
    )
    result.expect.contains_function_call_output(output=calls.TRANSFER_FAILED, is_error=True)
    result.expect.contains_message(role="assistant")
    assert recorded_calls.requests[-1][0] == "transfer_sip_participant"


async def test_transfer_without_a_number_is_a_recoverable_error(
    recorded_calls: FakeSIPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIP_TRANSFER_NUMBER", raising=False)
    result = await run_phone_turn(
        [Reply(tool_calls=[ToolCall("transfer_to_human")]), Reply("I can take a message.")],
        UserData(caller_identity="sip_caller"),
    )
    result.expect.contains_function_call_output(is_error=True)
    assert recorded_calls.requests == []


async def test_end_call_deletes_the_room(recorded_calls: FakeSIPServer) -> None:
    await run_phone_turn(
        [Reply("Goodbye!", [ToolCall("end_call")]), Reply("")],
        UserData(caller_identity="sip_caller"),
    )
    assert recorded_calls.requests[-1][0] == "delete_room"
    assert recorded_calls.requests[-1][1].room == "call-room"
