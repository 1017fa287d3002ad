"""What happens on a phone call: who is on the line, DTMF keys, outbound dialling with
answering-machine detection, and the tools that transfer or end the call.

Tools reach LiveKit through `sip_service()` / `room_service()` (the job's API client), which
tests replace with recorders; everything else is the real code path.
"""

from __future__ import annotations

import json
import logging
import os

from livekit import api, rtc
from livekit.agents import (
    AMD,
    AgentSession,
    JobContext,
    RunContext,
    ToolError,
    function_tool,
    llm,
)
from livekit.agents.job import get_job_context
from livekit.agents.voice import SpeechHandle
from livekit.api.room_service import RoomService
from livekit.api.sip_service import SipService

from ..userdata import UserData
from .numbers import NumberRefusedError, allowed_patterns, check_destination

logger = logging.getLogger(__name__)

CALLEE_IDENTITY = "phone-callee"
VOICEMAIL_MESSAGE = (
    "Hello, this is an automated call back from our assistant. "
    "Please call us again when it suits you. Goodbye."
)
TRANSFER_FAILED = (
    "The transfer did not go through; nobody could take the call. Apologise and offer to take "
    "a message or to help further."
)


def sip_service() -> SipService:
    return get_job_context().api.sip


def room_service() -> RoomService:
    return get_job_context().api.room


def room_name() -> str:
    return get_job_context().room.name


def outbound_number(job_metadata: str) -> str | None:
    """The number the dial command asked for, re-checked against the allow-list."""
    if not job_metadata:
        return None
    number = json.loads(job_metadata).get("phone_number")
    return check_destination(number, allowed_patterns()) if number else None


def on_dtmf(session: AgentSession[UserData], event: rtc.SipDTMF) -> SpeechHandle:
    """Keypad presses become a short user message, so the LLM can act on "press 1 for ..."."""
    return session.generate_reply(user_input=f"(The caller pressed the {event.digit} key.)")


def userdata_for_job(job_metadata: str) -> UserData:
    """The call's shared state, known from the job before the session starts.

    The dial command dispatches the agent with `{"phone_number": ...}` as job metadata; such a
    call is outbound, and the agent's `on_enter` must not speak before the callee answers.
    Raises NumberRefusedError for a number outside SIP_ALLOWED_NUMBERS.
    """
    number = outbound_number(job_metadata)
    if number is None:
        return UserData()
    return UserData(outbound=True, phone_number=number, caller_identity=CALLEE_IDENTITY)


def prepare_call(ctx: JobContext) -> UserData | None:
    """Call before `session.start`: the userdata for this job, or None (and the job shut down)
    when it asks to dial a number that is not allowed."""
    try:
        return userdata_for_job(ctx.job.metadata)
    except NumberRefusedError as error:
        logger.error("refusing outbound call: %s", error)
        ctx.shutdown(reason="destination not allowed")
        return None


async def start_call(ctx: JobContext, session: AgentSession[UserData]) -> None:
    """Call after `session.start`: dial out if the job asks for it, else note who called in."""
    ctx.room.on("sip_dtmf_received", lambda event: on_dtmf(session, event))
    userdata = session.userdata
    if userdata.outbound and userdata.phone_number:
        await dial(ctx, session, userdata.phone_number)
        return
    caller = await ctx.wait_for_participant()
    userdata.caller_identity = caller.identity
    userdata.phone_number = caller.attributes.get("sip.phoneNumber")


async def dial(ctx: JobContext, session: AgentSession[UserData], number: str) -> None:
    trunk_id = os.environ.get("SIP_OUTBOUND_TRUNK_ID", "")
    request = api.CreateSIPParticipantRequest(
        room_name=ctx.room.name,
        sip_trunk_id=trunk_id,
        sip_call_to=number,
        participant_identity=CALLEE_IDENTITY,
        wait_until_answered=True,
    )
    try:
        # Answering-machine detection listens from the first audio, so it starts before dialling.
        async with AMD(session, participant_identity=CALLEE_IDENTITY) as detector:
            await ctx.api.sip.create_sip_participant(request)
            verdict = await detector.execute()
    except api.ServerError as error:  # SipCallError (busy, no answer...) is one too
        logger.error("outbound call to %s failed: %s (check SIP_OUTBOUND_TRUNK_ID)", number, error)
        ctx.shutdown(reason="dial failed")
        return
    if verdict.is_machine:
        await session.say(VOICEMAIL_MESSAGE, allow_interruptions=False)
        ctx.shutdown(reason="voicemail")
        return
    session.userdata.answered = True
    await session.generate_reply(instructions="The callee answered. Introduce yourself briefly.")


@function_tool
async def transfer_to_human(context: RunContext[UserData]) -> str:
    """Transfer the caller to a human colleague. Tell the caller before you call this."""
    target = os.environ.get("SIP_TRANSFER_NUMBER", "")
    identity = context.userdata.caller_identity
    if not target or not identity:
        raise ToolError("No human is available to take the call; offer to take a message.")
    await context.wait_for_playout()
    try:
        response = await sip_service().transfer_sip_participant(
            api.TransferSIPParticipantRequest(
                room_name=room_name(), participant_identity=identity, transfer_to=f"tel:{target}"
            )
        )
    except api.ServerError as error:  # SipCallError: busy, rejected, no answer...
        logger.warning("transfer to %s failed: %s", target, error)
        raise ToolError(TRANSFER_FAILED) from error
    # An answer without an error can still report a failed transfer. Older servers answer
    # with no status at all, which reads as "ongoing": the transfer was started.
    if response.status == api.SIPTransferStatus.STS_TRANSFER_FAILED:
        reason = api.SIPTransferReason.Name(response.reason)
        logger.warning(
            "transfer to %s failed: %s (SIP %s)", target, reason, response.sip_status.code
        )
        raise ToolError(TRANSFER_FAILED)
    return "The call was transferred."


@function_tool
async def end_call(context: RunContext[UserData]) -> None:
    """End the phone call. Say goodbye in the same reply, before calling this."""
    await context.wait_for_playout()
    await room_service().delete_room(api.DeleteRoomRequest(room=room_name()))


CALL_CONTROL_TOOLS: list[llm.Tool] = [transfer_to_human, end_call]
