{%- set plugin = "silero" if cookiecutter.architecture == "pipeline" else "noise_cancellation" if cookiecutter.noise_cancellation != "none" else ("google" if cookiecutter.__realtime_model == "gemini-live" else "openai") if cookiecutter.__realtime_access == "plugins" or cookiecutter.__tts_access == "plugins" and cookiecutter.__tts == "openai" else cookiecutter.__tts if cookiecutter.__tts_access == "plugins" else "" -%}
"""The package's `models` command: the image's proof that its models load offline."""

import pytest

from {{ cookiecutter.__package }} import models
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
from {{ cookiecutter.__package }}.settings import Settings
{%- endif %}


{% if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" -%}
def test_it_lists_every_local_model_the_agent_uses(monkeypatch: pytest.MonkeyPatch) -> None:
{%- if cookiecutter.__stt == "faster-whisper" %}
    monkeypatch.delenv("STT_MODEL", raising=False)
    monkeypatch.delenv("FALLBACK_STT_MODEL", raising=False)
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
    monkeypatch.delenv("TTS_MODEL", raising=False)
    monkeypatch.delenv("FALLBACK_TTS_MODEL", raising=False)
{%- endif %}
{%- else -%}
def test_it_lists_every_local_model_the_agent_uses() -> None:
{%- endif %}
    names = [name for name, _ in models.local_models()]
{%- if cookiecutter.architecture == "pipeline" %}
    expected = ["Silero VAD"]
{%- else %}
    expected: list[str] = []  # the realtime model runs at its provider
{%- endif %}
{%- if cookiecutter.__turn_detection == "audio-model" %}
    expected.append("LiveKit end-of-turn audio model")
{%- elif cookiecutter.__turn_detection == "text-model" %}
    expected.append("multilingual text end-of-turn model")
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro" %}
    assert names[: len(expected)] == expected
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" %}
    whisper = f"Whisper {Settings.from_env({}).stt_model}"
    assert [name for name in names if name.startswith("Whisper ")] == [whisper]
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
    kokoro = f"Kokoro {Settings.from_env({}).tts_model}"
    assert [name for name in names if name.startswith("Kokoro ")] == [kokoro]
{%- endif %}
{%- if not (cookiecutter.__stt == "faster-whisper" or cookiecutter.__tts == "kokoro") %}
    assert names == expected
{%- endif %}


def test_it_imports_each_plugin_download_files_would() -> None:
{%- if plugin %}
    assert "livekit.plugins.{{ plugin }}" in [name for name, _ in models.plugins()]
{%- else %}
    # LiveKit Inference serves every model: no plugin is installed, so none is imported.
    assert models.plugins() == []
{%- endif %}


def test_a_model_or_plugin_that_does_not_load_fails_naming_each(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing() -> None:
        raise RuntimeError('Could not find file "model_q8.onnx"')

    def broken() -> None:
        raise ImportError("libfoo.so: cannot open shared object file")

    monkeypatch.setattr(models, "plugins", lambda: [("livekit.plugins.broken", broken)])
    monkeypatch.setattr(models, "local_models", lambda: [("VAD", lambda: None), ("EOT", missing)])

    with pytest.raises(SystemExit) as stopped:
        models.main()

    assert stopped.value.code == 1
    output = capsys.readouterr()
    assert output.out == "loaded VAD\n"
    assert "  livekit.plugins.broken: libfoo.so" in output.err
    assert '  EOT: Could not find file "model_q8.onnx"' in output.err
    assert "download-files" in output.err


def test_all_loaded_is_a_clean_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(models, "plugins", lambda: [])
    monkeypatch.setattr(models, "local_models", lambda: [("VAD", lambda: None)])
    models.main()
    assert capsys.readouterr().out == "loaded VAD\n"
