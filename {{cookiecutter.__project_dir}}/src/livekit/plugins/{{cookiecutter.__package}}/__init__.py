"""Registers this project's model files with `python -m livekit.agents download-files`.

That command imports every package under `livekit.plugins` and calls each registered
`Plugin.download_files()`; living in the same namespace puts this project's models on the same
path as livekit's own, so one command (and one Dockerfile step) fetches everything.
"""

import logging

from livekit.agents import Plugin
{%- if cookiecutter.__stt == "faster-whisper" %}

from {{ cookiecutter.__package }}.local_stt import fetch_whisper
from {{ cookiecutter.__package }}.settings import Settings, load_env_file
{%- endif %}

logger = logging.getLogger(__name__)


class ProjectModels(Plugin):
    def __init__(self) -> None:
        super().__init__(__name__, "0.1.0", __name__, logger)

    def download_files(self) -> None:
{%- if cookiecutter.__stt == "faster-whisper" %}
        load_env_file()
        settings = Settings.from_env()
        for model in filter(None, (settings.stt_model, settings.fallback_stt_model)):
            logger.info("fetching Whisper model %s", model)
            fetch_whisper(model)
{%- endif %}


Plugin.register_plugin(ProjectModels())
