"""The models every call uses load once per worker, in the forkserver its call processes are
forked from (preload.py); each call process's prewarm takes them from there, the benchmark's
too, so its memory figures are the deployed worker's.
"""

import importlib.util
from pathlib import Path
from types import ModuleType
from unittest.mock import create_autospec

import pytest
from livekit.agents import AgentServer, JobProcess

from {{ cookiecutter.__package }} import preload{% if cookiecutter.stt == "faster-whisper" or cookiecutter.tts == "kokoro" %}, providers{% endif %}
{%- if cookiecutter.use_rag %}
from {{ cookiecutter.__package }}.knowledge import tool
{%- endif %}
from {{ cookiecutter.__package }}.server import PRELOAD_MODULES, Server

from bench import worker

PROJECT = Path(__file__).parents[2]


def load_agent() -> ModuleType:
    """src/agent.py, imported as livekit's CLI imports it."""
    spec = importlib.util.spec_from_file_location("agent_under_test", PROJECT / "src" / "agent.py")
    assert spec and spec.loader
    agent = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(agent)
    return agent


def test_the_worker_preloads_the_shared_models_in_its_forkserver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options: dict[str, object] = {}

    def record(self: AgentServer, **given: object) -> None:
        options.update(given)

    monkeypatch.setattr(AgentServer, "__init__", record)
    Server(drain_timeout=10, max_retry=1)
    assert options["preload_modules"] == PRELOAD_MODULES == [preload.__name__]


def test_every_call_process_takes_the_preloaded_models(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
{%- if cookiecutter.use_rag %}
    # The index is per process and not what this test is about (test_knowledge.py has it).
    monkeypatch.setattr(tool, "load_knowledge_base", lambda: None)
    monkeypatch.setattr(worker, "load_knowledge_base", lambda: None)
{%- endif %}
{%- if cookiecutter.stt == "faster-whisper" %}
    # Whisper's weights load per process and need a download.
    monkeypatch.setattr(providers, "preload_stt", lambda settings: None)
{%- endif %}
{%- if cookiecutter.tts == "kokoro" %}
    # So do Kokoro's (its onnxruntime session starts threads: not one to load before a fork).
    monkeypatch.setattr(providers, "preload_tts", lambda settings: None)
{%- endif %}
    for prewarm in (load_agent().prewarm, worker.prewarm):
        process = create_autospec(JobProcess, instance=True)
        process.userdata = {}
        prewarm(process)
        assert process.userdata["vad"] is preload.VAD, prewarm.__module__
