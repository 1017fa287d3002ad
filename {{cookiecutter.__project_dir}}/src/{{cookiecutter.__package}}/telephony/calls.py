"""What happens on a phone call: who is on the line, dialling out with answering-machine
detection (AMD), digits keyed or spoken, transfers to a person, and hanging up.

How a call ends: `prepare_call` registers a shutdown callback that deletes the room, which
removes every participant, phone legs included. So whatever ends the job (a voicemail left,
nobody answering, the caller hanging up, `end_call`, a transfer done) also ends the call for
everyone; `ctx.shutdown()` alone would only disconnect the agent and leave the phone line open,
recording silence and billing minutes until the carrier times it out.

Tools reach LiveKit through `sip_service()` and the job context, which tests replace with
recorders built on livekit's own classes; everything else is the real code path.
"""

from __future__ import annotations

import json
import logging
import os

from livekit import api
from livekit.agents import (
    AMD,
    AgentSession,
    AMDCategory,
    AMDPredictionEvent,
    CloseEvent,
    JobContext,
    RunContext,
    ToolError,
    function_tool,
    llm,
)
from livekit.agents.beta.tools import EndCallTool
from livekit.agents.beta.workflows import GetDtmfTask, WarmTransferTask
from livekit.agents.job import get_job_context
from livekit.agents.voice.amd.detector import DetectionOptions
from livekit.api.sip_service import SipService

from ..settings import TelephonySettings
from ..userdata import UserData
from .numbers import NumberRefusedError, allowed_patterns, check_destination, mask

logger = logging.getLogger(__name__)

CALLEE_IDENTITY = "phone-callee"
OUTBOUND_CONTEXT = (
    "You placed this phone call: the person who answers did not call you. In your first "
    "reply, say who you are and why you are calling."
)
SILENT_CALLEE = "The callee picked up but has said nothing yet. Greet them."
VOICEMAIL_MESSAGE = (
    "Hello, this is an automated call back from our assistant. "
    "Please call us again when it suits you. Goodbye."
)
PHONE_MENU = (
    "A phone menu answered, not a person. It said: {transcript!r}. Press the key that reaches "
    "a person with send_dtmf_events; if no option fits, end the call."
)
TRANSFER_NOTICE = "Please hold while I transfer you; you will hear it ringing."
WARM_TRANSFER_NOTICE = "Please hold for a moment while I brief a colleague who can help."
WARM_TRANSFER_DONE = "You are now connected with my colleague. Goodbye from me."
TRANSFER_FAILED = (
    "The transfer did not go through; nobody could take the call. Apologise and offer to take "
    "a message or to help further."
)

# SIP answers to an outbound call that mean nobody took it (RFC 3261 section 21). livekit
# raises them as `SipCallError` from `create_sip_participant(wait_until_answered=True)`.
DIAL_OUTCOMES = {
    408: "no answer",  # rang until the ringing timeout
    480: "no answer",  # temporarily unavailable (phone off, out of coverage)
    487: "no answer",  # the call was cancelled while it rang
    486: "busy",
    600: "busy",
    603: "declined",
}

# `end_call` says goodbye (the tool's result asks the model for one) before the session
# closes. The room is deleted by the job's shutdown callback (`prepare_call`), not by the tool,
# so that a hang-up sends one delete request whatever ended the call.
END_CALL = EndCallTool(delete_room=False, ignore_on_enter=True)


class MetadataError(ValueError):
    pass


{%- if cookiecutter.architecture == "realtime" %}


# A speech-to-speech model has no TTS to read a sentence as written: it is asked to say it.
SAY_VERBATIM = "Say exactly this, word for word, and nothing else: {text}"
{%- endif %}


async def announce(session: AgentSession[UserData], text: str) -> None:
{%- if cookiecutter.architecture == "realtime" %}
    """Say a fixed sentence, through the realtime model (there is no TTS). The model detects
    the caller's turns itself, so livekit keeps it interruptible."""
    await session.generate_reply(instructions=SAY_VERBATIM.format(text=text))
{%- else %}
    """Say a fixed sentence through the TTS, whole: the caller cannot cut it off."""
    await session.say(text, allow_interruptions=False)
{%- endif %}


def sip_service() -> SipService:
    return get_job_context().api.sip


def room_name() -> str:
    return get_job_context().room.name


def outbound_number(job_metadata: str) -> str | None:
    """The number the dial command asked for, re-checked: the agent does not trust metadata.

    Empty metadata, or an object without `phone_number`, is an inbound call. Raises
    MetadataError for anything that is not a JSON object, NumberRefusedError for a number
    that may not be dialled.
    """
    if not job_metadata.strip():
        return None
    try:
        request = json.loads(job_metadata)
    except json.JSONDecodeError as error:
        raise MetadataError(f"job metadata is not JSON ({error.msg})") from None
    if not isinstance(request, dict):
        raise MetadataError(
            f"job metadata must be a JSON object with a phone_number, not {type(request).__name__}"
        )
    number = request.get("phone_number")
    if number is None:
        return None
    return check_destination(
        number,
        allowed_patterns(),
        allow_premium_rate=TelephonySettings.from_env().allow_premium_rate,
    )


def userdata_for_job(job_metadata: str) -> UserData:
    """The call's shared state, known from the job before the session starts.

    The dial command dispatches the agent with `{"phone_number": ...}` as job metadata; such a
    call is outbound, and the agent's `on_enter` must not speak before the callee answers.
    """
    number = outbound_number(job_metadata)
    if number is None:
        return UserData()
    return UserData(outbound=True, phone_number=number, caller_identity=CALLEE_IDENTITY)


def prepare_call(ctx: JobContext) -> UserData | None:
    """Call before `session.start`: the userdata for this job, or None (and the job shut down,
    with one log line saying why) when its metadata is malformed or names a refused number."""

    async def hang_up() -> None:
        await ctx.delete_room()

    ctx.add_shutdown_callback(hang_up)
    try:
        return userdata_for_job(ctx.job.metadata)
    except (MetadataError, NumberRefusedError) as error:
        logger.error("refusing the job: %s", error)
        ctx.shutdown(reason="job metadata refused")
        return None


async def start_call(
    ctx: JobContext,
    session: AgentSession[UserData],
    *,
    detection: DetectionOptions | None = None,
) -> None:
    """Call after `session.start`: dial out if the job asks for it, else note who called in.

    `detection` overrides livekit's AMD timings (tests shorten them).
    """

    def end_job(event: CloseEvent) -> None:
        # The session closes when the caller hangs up (RoomIO's close_on_disconnect) or after
        # end_call; ending the job then runs the hang-up, so no leg of the call stays open.
        ctx.shutdown(reason=f"session closed: {event.reason.value}")

    session.on("close", end_job)
    userdata = session.userdata
    if userdata.outbound and userdata.phone_number:
        await dial(ctx, session, userdata.phone_number, detection or {})
        return
    caller = await ctx.wait_for_participant()
    userdata.caller_identity = caller.identity
    userdata.phone_number = caller.attributes.get("sip.phoneNumber")
    logger.info("call from %s", mask(userdata.phone_number))


async def dial(
    ctx: JobContext, session: AgentSession[UserData], number: str, detection: DetectionOptions
) -> None:
    agent = session.current_agent
    await agent.update_instructions(f"{agent.instructions}\n\n{OUTBOUND_CONTEXT}")
    request = api.CreateSIPParticipantRequest(
        room_name=ctx.room.name,
        sip_trunk_id=os.environ.get("SIP_OUTBOUND_TRUNK_ID", ""),
        sip_call_to=number,
        participant_identity=CALLEE_IDENTITY,
        wait_until_answered=True,
    )
    try:
        # AMD listens from the first audio, so it starts before dialling. Until its verdict it
        # holds back any reply, so a reply to the callee's "Hello?" waits for it.
        async with AMD(
            session, participant_identity=CALLEE_IDENTITY, detection_options=detection
        ) as detector:
            await ctx.api.sip.create_sip_participant(request)
            verdict = await detector.execute()
    except api.SipCallError as error:
        outcome = DIAL_OUTCOMES.get(error.sip_status_code or 0, "failed")
        logger.warning(
            "outbound call to %s: %s (SIP %s %s)",
            mask(number),
            outcome,
            error.sip_status_code,
            error.sip_status or "",
        )
        ctx.shutdown(reason=f"callee {outcome}")
        return
    except api.ServerError as error:
        logger.error(
            "outbound call to %s not placed: %s (check SIP_OUTBOUND_TRUNK_ID)",
            mask(number),
            error.message,
        )
        ctx.shutdown(reason="dial failed")
        return
    await answered_by(ctx, session, verdict)


async def answered_by(
    ctx: JobContext, session: AgentSession[UserData], verdict: AMDPredictionEvent
) -> None:
    """Each AMD outcome on its own: one greeting for a person, a message for a voicemail."""
    logger.info("outbound call answered: %s (%s)", verdict.category.value, verdict.reason)
    if verdict.category == AMDCategory.MACHINE_VM:
        await announce(session, VOICEMAIL_MESSAGE)
        ctx.shutdown(reason="left a voicemail")
        return
    if verdict.category == AMDCategory.MACHINE_UNAVAILABLE:
        ctx.shutdown(reason="mailbox full or not set up")  # no message can be left
        return
    session.userdata.answered = True
    if verdict.category == AMDCategory.MACHINE_IVR:
        # AMD has started livekit's IVR navigation (the send_dtmf_events tool, loop and
        # silence detection); the first keys answer what the menu said.
        session.generate_reply(instructions=PHONE_MENU.format(transcript=verdict.transcript))
        return
    # A person, or AMD could not tell. Someone who spoke ("Hello?") gets the reply to their
    # own turn, which AMD held until now: that is the one greeting. Only a callee who has
    # said nothing is greeted here.
    if not verdict.transcript and not verdict.speech_duration:
        session.generate_reply(instructions=SILENT_CALLEE)


@function_tool
async def transfer_to_human(context: RunContext[UserData]) -> str | None:
    """Transfer the caller to a human colleague when they ask for a person or you cannot
    help. This tool tells the caller to hold; do not announce the transfer yourself."""
    target = os.environ.get("SIP_TRANSFER_NUMBER", "")
    identity = context.userdata.caller_identity
    if not target or not identity:
        raise ToolError("No human is available to take the call; offer to take a message.")
    await context.wait_for_playout()
    if TelephonySettings.from_env().transfer_mode == "warm":
        await warm_transfer(context, target)
    else:
        await cold_transfer(context, identity, target)
    return None  # the caller is with a person now: no reply from the model


async def cold_transfer(context: RunContext[UserData], identity: str, target: str) -> None:
    """The carrier moves the caller to `target` (SIP REFER); the agent's part ends there."""
    await announce(context.session, TRANSFER_NOTICE)
    try:
        response = await sip_service().transfer_sip_participant(
            api.TransferSIPParticipantRequest(
                room_name=room_name(),
                participant_identity=identity,
                transfer_to=f"tel:{target}",
                play_dialtone=True,  # the caller hears it ring, not silence
            )
        )
    except api.ServerError as error:  # SipCallError: busy, rejected, no answer...
        logger.warning("transfer to %s failed: %s", mask(target), error)
        raise ToolError(TRANSFER_FAILED) from error
    # An answer without an error can still report a failed transfer. Older servers answer
    # with no status at all, which reads as "ongoing": the transfer was started.
    if response.status == api.SIPTransferStatus.STS_TRANSFER_FAILED:
        reason = api.SIPTransferReason.Name(response.reason)
        logger.warning(
            "transfer to %s failed: %s (SIP %s)", mask(target), reason, response.sip_status.code
        )
        raise ToolError(TRANSFER_FAILED)
    get_job_context().shutdown(reason="transferred to a person")


async def warm_transfer(context: RunContext[UserData], target: str) -> None:
    """The agent calls `target`, briefs the person (caller on hold music) and, once they
    agree, brings them into the caller's room (livekit's WarmTransferTask)."""
    await announce(context.session, WARM_TRANSFER_NOTICE)
    try:
        await WarmTransferTask(
            sip_call_to=target,
            sip_trunk_id=os.environ.get("SIP_OUTBOUND_TRUNK_ID", ""),
            chat_ctx=context.session.current_agent.chat_ctx,
        )
    except ToolError as error:  # not answered, declined, voicemail, hung up
        logger.warning("warm transfer to %s failed: %s", mask(target), error.message)
        raise ToolError(TRANSFER_FAILED) from error
    await announce(context.session, WARM_TRANSFER_DONE)
    # The agent stays in the room, silent, so that when either person hangs up the call ends
    # for the other too (WarmTransferTask deletes the room; the session's close ends the job).
    context.session.input.set_audio_enabled(False)
    context.session.output.set_audio_enabled(False)


@function_tool
async def collect_digits(context: RunContext[UserData], count: int, what: str) -> str:
    """Collect digits the caller keys on the phone keypad or says, such as an order number,
    a PIN or a menu choice. The tool asks for them; keyed digits end with # or a pause.

    Args:
        count: How many digits to collect.
        what: What the digits are, as you would name them to the caller.
    """
    result = await GetDtmfTask(
        num_digits=count,
        extra_instructions=f"Ask the caller for {what} ({count} digits): key it or say it.",
    )
    return f"The caller gave {what}: {result.user_input.replace(' ', '')}"


CALL_CONTROL_TOOLS: list[llm.Tool | llm.Toolset] = [transfer_to_human, collect_digits, END_CALL]
