"""Imports every livekit plugin and loads every local model the agent uses, from the cache only.

`python -m livekit.agents download-files` only warns when a plugin fails to import, and exits 0
without that plugin's files: the worker would find out in its first call. The Dockerfile runs
this module (`python -m` with this package's `models`) after it, offline and as the user that
runs the agent, so an image without its models fails to build. Run it locally after
`download-files` too.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from functools import partial
{%- if cookiecutter.__turn_detection == "audio-model" %}

from livekit import local_inference
{%- endif %}

from . import providers
{%- if cookiecutter.stt == "faster-whisper" %}
from .local_stt import load_whisper
from .settings import Settings, load_env_file
{%- endif %}
{%- if cookiecutter.__turn_detection == "text-model" %}
from .text_turn_detector import load_model as load_text_turn_model
{%- endif %}


def local_models() -> list[tuple[str, Callable[[], object]]]:
    """(name, loader) for each model the worker loads on this machine."""
    models: list[tuple[str, Callable[[], object]]] = [("Silero VAD", providers.load_vad)]
{%- if cookiecutter.__turn_detection == "audio-model" %}
    models.append(("LiveKit end-of-turn audio model", local_inference.init_eot))
{%- elif cookiecutter.__turn_detection == "text-model" %}
    models.append(("multilingual text end-of-turn model", load_text_turn_model))
{%- endif %}
{%- if cookiecutter.stt == "faster-whisper" %}
    settings = Settings.from_env()
    for model in filter(None, (settings.stt_model, settings.fallback_stt_model)):
        models.append((f"Whisper {model}", partial(load_whisper, model)))
{%- endif %}
    return models


def plugins() -> list[tuple[str, Callable[[], object]]]:
    """Each package under livekit.plugins, imported as `download-files` imports it."""
    namespace = importlib.import_module("livekit.plugins")
    names = sorted(m.name for m in pkgutil.iter_modules(namespace.__path__, "livekit.plugins."))
    return [(name, partial(importlib.import_module, name)) for name in names]


def main() -> None:
{%- if cookiecutter.stt == "faster-whisper" %}
    load_env_file()  # STT_MODEL may be set there
{%- endif %}
    missing = []
    for name, load in [*plugins(), *local_models()]:
        try:
            load()
        except Exception as error:  # each loader fails its own way; report them all
            missing.append(f"  {name}: {error}")
        else:
            print(f"loaded {name}")
    if missing:
        print(
            "These models cannot be loaded from the local cache:",
            *missing,
            "Run `python -m livekit.agents download-files` (with network access, as the user "
            "that runs the agent) and read its warnings: a plugin that failed to import "
            "downloaded nothing.",
            sep="\n",
            file=sys.stderr,
        )
        raise SystemExit(1)


if __name__ == "__main__":
    main()
