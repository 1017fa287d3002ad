import logging

import pytest
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}

from {{ cookiecutter.__package }} import providers
{%- endif %}


@pytest.fixture(autouse=True)
def fail_on_livekit_deprecation_logs(caplog: pytest.LogCaptureFixture):
    """livekit reports some API drift by logging instead of warning; fail on those too."""
    caplog.set_level(logging.WARNING, logger="livekit")
    yield
    drift = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("livekit") and "deprecated" in record.getMessage().lower()
    ]
    assert not drift, f"livekit reported deprecated usage: {drift}"


@pytest.fixture
def offline_prewarm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets a test run the call processes' prewarm in its own process: no trace exporter to
    reach{% if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}, and no local weights to load ({% if cookiecutter.__stt == "faster-whisper" %}Whisper's{% endif %}{% if cookiecutter.__stt == "faster-whisper" and cookiecutter.__tts == "kokoro" %} and {% endif %}{% if cookiecutter.__tts == "kokoro" %}Kokoro's{% endif %} need a download){% endif %}."""
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
{%- if cookiecutter.__stt == "faster-whisper" %}
    monkeypatch.setattr(providers, "preload_stt", lambda settings: None)
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
    monkeypatch.setattr(providers, "preload_tts", lambda settings: None)
{%- endif %}
