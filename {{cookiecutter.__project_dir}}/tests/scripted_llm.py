"""A scripted stand-in for the LLM, so agent tests run offline, free and deterministically.

livekit-agents ships no fake LLM; this subclass of `llm.LLM` replays scripted replies (text
and/or tool calls) through the real streaming interface, so the real `AgentSession`, tool
execution and handoffs run unchanged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from livekit.agents import APIConnectionError, llm
from livekit.agents.llm import ChatChunk, ChoiceDelta, CompletionUsage, FunctionToolCall
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, APIConnectOptions
from livekit.agents.utils import shortuuid


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    # Set: the reply is still being generated until this event is set (e.g. a caller who
    # hangs up mid-reply).
    until: asyncio.Event | None = None


Script = list[Reply] | Callable[[llm.ChatContext], Reply]


class ScriptedLLM(llm.LLM):
    """Answers each request with the next scripted `Reply` (or by calling `script(chat_ctx)`).

    `requests` keeps every chat context the session sent, so tests can assert what the model
    was shown (instructions, tool outputs, earlier turns).
    """

    def __init__(self, script: Script) -> None:
        super().__init__()
        self._script = script
        self.requests: list[llm.ChatContext] = []

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return "test"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: Any = NOT_GIVEN,
        tool_choice: Any = NOT_GIVEN,
        extra_kwargs: Any = NOT_GIVEN,
    ) -> llm.LLMStream:
        self.requests.append(chat_ctx.copy())
        if callable(self._script):
            reply = self._script(chat_ctx)
        elif self._script:
            reply = self._script.pop(0)
        else:
            raise AssertionError("the scripted LLM ran out of replies")
        return _ScriptedStream(
            self, reply, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options
        )


class _ScriptedStream(llm.LLMStream):
    def __init__(self, owner: ScriptedLLM, reply: Reply, **kwargs: Any) -> None:
        super().__init__(owner, **kwargs)
        self._reply = reply

    async def _run(self) -> None:
        request_id = shortuuid("scripted-")
        if self._reply.until is not None:
            await self._reply.until.wait()
        words = self._reply.text.split(" ") if self._reply.text else []
        for index, word in enumerate(words):
            content = word if index == len(words) - 1 else word + " "
            self._send(ChoiceDelta(role="assistant", content=content), request_id)
        if self._reply.tool_calls:
            calls = [
                FunctionToolCall(
                    name=call.name,
                    arguments=json.dumps(call.arguments),
                    call_id=shortuuid("call_"),
                )
                for call in self._reply.tool_calls
            ]
            self._send(ChoiceDelta(role="assistant", tool_calls=calls), request_id)
        usage = CompletionUsage(completion_tokens=len(words), prompt_tokens=10, total_tokens=10)
        self._event_ch.send_nowait(ChatChunk(id=request_id, usage=usage))

    def _send(self, delta: ChoiceDelta, request_id: str) -> None:
        self._event_ch.send_nowait(ChatChunk(id=request_id, delta=delta))


class FailingLLM(llm.LLM):
    """An LLM whose every request fails like a provider outage."""

    @property
    def model(self) -> str:
        return "failing"

    def chat(self, *, chat_ctx: llm.ChatContext, **kwargs: Any) -> llm.LLMStream:
        return _FailingStream(
            self,
            chat_ctx=chat_ctx,
            tools=kwargs.get("tools") or [],
            conn_options=kwargs.get("conn_options", DEFAULT_API_CONNECT_OPTIONS),
        )


class _FailingStream(llm.LLMStream):
    async def _run(self) -> None:
        raise APIConnectionError("scripted provider outage")
