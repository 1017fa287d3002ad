"""The package's `models` command: the image's proof that its models load offline."""

import pytest

from {{ cookiecutter.__package }} import models


{% if cookiecutter.stt == "faster-whisper" -%}
def test_it_lists_every_local_model_the_agent_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STT_MODEL", raising=False)
    monkeypatch.delenv("FALLBACK_STT_MODEL", raising=False)
{%- else -%}
def test_it_lists_every_local_model_the_agent_uses() -> None:
{%- endif %}
    names = [name for name, _ in models.local_models()]
    expected = ["Silero VAD"]
{%- if cookiecutter.__turn_detection == "audio-model" %}
    expected.append("LiveKit end-of-turn audio model")
{%- elif cookiecutter.__turn_detection == "text-model" %}
    expected.append("multilingual text end-of-turn model")
{%- endif %}
{%- if cookiecutter.stt == "faster-whisper" %}
    assert names[: len(expected)] == expected
    whisper = "Whisper {{ cookiecutter._models.plugins.stt['faster-whisper'] }}"
    assert [name for name in names if name.startswith("Whisper ")] == [whisper]
{%- else %}
    assert names == expected
{%- endif %}


def test_it_imports_each_plugin_download_files_would() -> None:
    assert "livekit.plugins.silero" in [name for name, _ in models.plugins()]


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
