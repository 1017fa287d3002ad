"""Registers this project's model files with `python -m livekit.agents download-files`.

That command imports every package under `livekit.plugins` and calls each registered
`Plugin.download_files()`; living in the same namespace puts this project's models on the same
path as livekit's own, so one command (and one Dockerfile step) fetches everything.
"""

import logging
import urllib.error
import urllib.request

from huggingface_hub import constants
from livekit.agents import Plugin

{% if cookiecutter.__turn_detection == "text-model" -%}
from {{ cookiecutter.__package }} import text_turn_detector
{% endif -%}
{% if cookiecutter.__stt == "faster-whisper" -%}
from {{ cookiecutter.__package }}.local_stt import fetch_whisper
{% endif -%}
{% if cookiecutter.__tts == "kokoro" -%}
from {{ cookiecutter.__package }}.local_tts import fetch_kokoro
{% endif -%}
{% if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" -%}
from {{ cookiecutter.__package }}.settings import Settings, load_env_file
{% endif %}
logger = logging.getLogger(__name__)

HUB_TIMEOUT_SECONDS = 10


def require_model_hub() -> None:
    """Stop at once, with one line, when the model hub cannot be reached: the hub clients would
    retry each file for about 50 s and then fail anyway. The hub client's own settings decide
    where the hub is (HF_ENDPOINT) and whether to skip the check (HF_HUB_OFFLINE: the local
    cache answers, or the download names the missing file)."""
    if constants.HF_HUB_OFFLINE:
        return
    endpoint = constants.ENDPOINT
    try:
        urllib.request.urlopen(endpoint, timeout=HUB_TIMEOUT_SECONDS).close()
    except urllib.error.HTTPError:
        pass  # the hub answered: downloads can go ahead
    except OSError as error:
        reason = getattr(error, "reason", error)
        raise SystemExit(
            f"Cannot reach the model hub at {endpoint} ({reason}): this project's local models "
            "need it once. Run download-files again with network access, or set HF_ENDPOINT "
            "to a mirror."
        ) from None


class ProjectModels(Plugin):
    def __init__(self) -> None:
        super().__init__(__name__, "0.1.0", __name__, logger)

    def download_files(self) -> None:
        require_model_hub()
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
        load_env_file()
        settings = Settings.from_env()
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" %}
        for model in filter(None, (settings.stt_model, settings.fallback_stt_model)):
            logger.info("fetching Whisper model %s", model)
            fetch_whisper(model)
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
        for model in dict.fromkeys(filter(None, (settings.tts_model, settings.fallback_tts_model))):
            logger.info("fetching Kokoro model %s and its voices", model)
            fetch_kokoro(model)
{%- endif %}
{%- if cookiecutter.__turn_detection == "text-model" %}
        logger.info("fetching the multilingual text end-of-turn model")
        text_turn_detector.download_model()
{%- endif %}

{%- if cookiecutter.__turn_detection == "text-model" %}


# livekit-plugins-turn-detector registers downloads for its English and its multilingual model,
# each retrying the model hub for about 50 s when it cannot be reached. This project uses the
# multilingual one only, and fetches it above, failing at once when the hub is unreachable.
for plugin in Plugin.registered_plugins:
    if plugin.package == "livekit.plugins.turn_detector":
        plugin.download_files = text_turn_detector.fetched_by_the_project  # type: ignore[method-assign]
{%- endif %}


Plugin.register_plugin(ProjectModels())
