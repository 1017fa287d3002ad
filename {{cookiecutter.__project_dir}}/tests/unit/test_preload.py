"""The models every call uses load once per worker, in the forkserver its call processes are
forked from (preload.py); each call process's prewarm takes them from there, the benchmark's
too, so its memory figures are the deployed worker's.
"""

from unittest.mock import create_autospec

import pytest
from livekit.agents import AgentServer, JobProcess

from {{ cookiecutter.__package }} import preload
{%- if cookiecutter.use_rag %}
from {{ cookiecutter.__package }}.knowledge import tool
{%- endif %}
from {{ cookiecutter.__package }}.server import PRELOAD_MODULES, Server

from bench import worker
from tests.entry_point import load_agent


def test_the_worker_preloads_the_shared_models_in_its_forkserver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options: dict[str, object] = {}

    def record(self: AgentServer, **given: object) -> None:
        options.update(given)

    monkeypatch.setattr(AgentServer, "__init__", record)
    Server(drain_timeout=10, max_retry=1)
    assert options["preload_modules"] == PRELOAD_MODULES == [preload.__name__]


{% if cookiecutter.use_rag -%}
def test_every_call_process_takes_the_preloaded_models(
    monkeypatch: pytest.MonkeyPatch, offline_prewarm: None
) -> None:
{%- else -%}
def test_every_call_process_takes_the_preloaded_models(offline_prewarm: None) -> None:
{%- endif %}
{%- if cookiecutter.use_rag %}
    # The index is per process and not what this test is about (test_knowledge.py has it).
    monkeypatch.setattr(tool, "load_knowledge_base", lambda: None)
    monkeypatch.setattr(worker, "load_knowledge_base", lambda: None)
{%- endif %}
    for prewarm in (load_agent().prewarm, worker.prewarm):
        process = create_autospec(JobProcess, instance=True)
        process.userdata = {}
        prewarm(process)
        assert process.userdata["vad"] is preload.VAD, prewarm.__module__
