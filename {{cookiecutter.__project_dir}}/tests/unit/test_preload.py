{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
"""The models every call uses load once per worker, in the forkserver its call processes are
forked from (preload.py); each call process's prewarm takes them from there{% if pipeline %}, the benchmark's
too, so its memory figures are the deployed worker's{% endif %}.
"""
{%- if pipeline %}

from unittest.mock import create_autospec
{%- else %}

import importlib
{%- endif %}

import pytest
from livekit.agents import AgentServer{% if pipeline %}, JobProcess{% endif %}

from {{ cookiecutter.__package }} import preload
{%- if pipeline and cookiecutter.use_rag %}
from {{ cookiecutter.__package }}.knowledge import tool
{%- elif not pipeline %}
from {{ cookiecutter.__package }}.knowledge.embedder import shared_embedder
{%- endif %}
from {{ cookiecutter.__package }}.server import PRELOAD_MODULES, Server
{%- if pipeline %}

from bench import worker
from tests.entry_point import load_agent
{%- endif %}


def test_the_worker_preloads_the_shared_models_in_its_forkserver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options: dict[str, object] = {}

    def record(self: AgentServer, **given: object) -> None:
        options.update(given)

    monkeypatch.setattr(AgentServer, "__init__", record)
    Server(drain_timeout=10, max_retry=1)
    assert options["preload_modules"] == PRELOAD_MODULES == [preload.__name__]

{%- if pipeline %}


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
{%- else %}


def test_the_forkserver_loads_the_embedding_model() -> None:
    """Importing preload, as the forkserver does, loads the model every call process's prewarm
    then takes from the cache (test_knowledge.py checks that prewarm opens the index with it)."""
    shared_embedder.cache_clear()
    importlib.reload(preload)
    assert shared_embedder.cache_info().currsize == 1
{%- endif %}
