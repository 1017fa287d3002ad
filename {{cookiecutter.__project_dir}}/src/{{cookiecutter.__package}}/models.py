{%- set plugin = "silero" if cookiecutter.architecture == "pipeline" else "noise_cancellation" if cookiecutter.noise_cancellation != "none" else ("google" if cookiecutter.__realtime_model == "gemini-live" else "openai") if cookiecutter.__realtime_access == "plugins" or cookiecutter.__tts_access == "plugins" and cookiecutter.__tts == "openai" else cookiecutter.__tts if cookiecutter.__tts_access == "plugins" else "" -%}
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
{%- if cookiecutter.architecture == "pipeline" or cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" or cookiecutter.__turn_detection == "text-model" %}
{% endif %}
{%- if cookiecutter.architecture == "pipeline" %}
from . import providers
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" %}
from .local_stt import load_whisper
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
from .local_tts import load_kokoro
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
from .settings import Settings, load_env_file
{%- endif %}
{%- if cookiecutter.__turn_detection == "text-model" %}
from .text_turn_detector import load_model as load_text_turn_model
{%- endif %}


def local_models() -> list[tuple[str, Callable[[], object]]]:
    """(name, loader) for each model the worker loads on this machine."""
{%- if cookiecutter.architecture == "pipeline" %}
    models: list[tuple[str, Callable[[], object]]] = [("Silero VAD", providers.load_vad)]
{%- else %}
    # The realtime model runs at its provider: only livekit's own models load here.
    models: list[tuple[str, Callable[[], object]]] = []
{%- endif %}
{%- if cookiecutter.__turn_detection == "audio-model" %}
    models.append(("LiveKit end-of-turn audio model", local_inference.init_eot))
{%- elif cookiecutter.__turn_detection == "text-model" %}
    models.append(("multilingual text end-of-turn model", load_text_turn_model))
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
    settings = Settings.from_env()
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" %}
    for model in filter(None, (settings.stt_model, settings.fallback_stt_model)):
        models.append((f"Whisper {model}", partial(load_whisper, model)))
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
    for model in dict.fromkeys(filter(None, (settings.tts_model, settings.fallback_tts_model))):
        models.append((f"Kokoro {model}", partial(load_kokoro, model)))
{%- endif %}
    return models


def plugins() -> list[tuple[str, Callable[[], object]]]:
    """Each package under livekit.plugins, imported as `download-files` imports it."""
{%- if not plugin %}
    try:
        namespace = importlib.import_module("livekit.plugins")
    except ModuleNotFoundError:
        return []  # no plugin installed: LiveKit Inference serves every model
{%- else %}
    namespace = importlib.import_module("livekit.plugins")
{%- endif %}
    names = sorted(m.name for m in pkgutil.iter_modules(namespace.__path__, "livekit.plugins."))
    return [(name, partial(importlib.import_module, name)) for name in names]


def main() -> None:
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
    load_env_file()  # {% if cookiecutter.__stt == "faster-whisper" %}STT_MODEL{% endif %}{% if cookiecutter.__stt == "faster-whisper" and cookiecutter.__tts == "kokoro" %} and {% endif %}{% if cookiecutter.__tts == "kokoro" %}TTS_MODEL{% endif %} may be set there
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
