import logging

import pytest
{%- if cookiecutter.stt == "faster-whisper" or cookiecutter.tts == "kokoro" %}

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
    reach{% if cookiecutter.stt == "faster-whisper" or cookiecutter.tts == "kokoro" %}, and no local weights to load ({% if cookiecutter.stt == "faster-whisper" %}Whisper's{% endif %}{% if cookiecutter.stt == "faster-whisper" and cookiecutter.tts == "kokoro" %} and {% endif %}{% if cookiecutter.tts == "kokoro" %}Kokoro's{% endif %} need a download){% endif %}."""
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
{%- if cookiecutter.stt == "faster-whisper" %}
    monkeypatch.setattr(providers, "preload_stt", lambda settings: None)
{%- endif %}
{%- if cookiecutter.tts == "kokoro" %}
    monkeypatch.setattr(providers, "preload_tts", lambda settings: None)
{%- endif %}
