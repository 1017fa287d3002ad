import inspect
import sys
import tomllib
from pathlib import Path

import pytest
from livekit.agents import AgentServer

from {{ cookiecutter.__package }} import settings


def complete_environment(command: str) -> dict[str, str]:
    environ = {requirement.name: "set" for requirement in settings.requirements_for(command)}
    if "LIVEKIT_URL" in environ:
        environ["LIVEKIT_URL"] = "wss://example.livekit.cloud"
    return environ


@pytest.mark.parametrize("command", ["console", "dev", "start", "connect"])
def test_a_complete_environment_passes(command: str) -> None:
    environ = complete_environment(command)
    assert settings.missing_for(command, environ) == []
    assert settings.malformed_for(command, environ) == {}
    settings.exit_if_unusable(command, environ)


def test_start_needs_the_livekit_server_and_every_provider_key() -> None:
    names = [requirement.name for requirement in settings.requirements_for("start")]
    assert names[:3] == ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"]
    assert {r.name for r in settings.PROVIDER_KEYS} <= set(names)
    assert len(names) == len(set(names))


def test_console_needs_only_the_provider_keys() -> None:
    assert settings.requirements_for("console") == tuple(
        {r.name: r for r in settings.PROVIDER_KEYS}.values()
    )
    assert "LIVEKIT_URL" not in {r.name for r in settings.requirements_for("console")}{%- if cookiecutter.__model_access == "plugins" and not cookiecutter.__provider_keys %}


def test_every_model_is_local_so_console_runs_with_no_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert settings.requirements_for("console") == ()
    settings.exit_if_unusable("console", {})  # an empty environment
    assert capsys.readouterr().err == ""
    names = {requirement.name for requirement in settings.requirements_for("start")}
    assert names == {"LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"}
{%- endif %}


def test_each_variable_is_listed_once_with_every_purpose() -> None:
    for command in ("console", "start"):
        purposes: dict[str, list[str]] = {}
        for requirement in (*settings.LIVEKIT_SERVER, *settings.PROVIDER_KEYS):
            if command == "start" or requirement in settings.PROVIDER_KEYS:
                purposes.setdefault(requirement.name, []).append(requirement.purpose)
        listed = {r.name: r.purpose for r in settings.requirements_for(command)}
        assert list(listed) == list(purposes)
        for name, expected in purposes.items():
            assert all(purpose in listed[name] for purpose in expected), name
{%- if "inference" in [cookiecutter.__stt_access, cookiecutter.__llm_access, cookiecutter.__tts_access, cookiecutter.__realtime_access] %}
    start = {r.name: r.purpose for r in settings.requirements_for("start")}
    assert start["LIVEKIT_API_KEY"] == (
        f"authenticates the worker and {settings.INFERENCE_BILLING}"
    )
{%- endif %}


@pytest.mark.parametrize("command", ["", "download-files", "--help"])
def test_commands_that_do_not_run_the_agent_need_nothing(command: str) -> None:
    assert settings.requirements_for(command) == ()


def test_missing_and_empty_keys_stop_with_one_message_listing_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    environ = complete_environment("start")
    environ.pop("LIVEKIT_URL")
    environ["LIVEKIT_API_SECRET"] = "   "

    with pytest.raises(SystemExit) as stopped:
        settings.exit_if_unusable("start", environ)

    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert "Cannot run `start`" in message
    for name in ("LIVEKIT_URL", "LIVEKIT_API_SECRET"):
        line = next(line for line in message.splitlines() if line.strip().startswith(name))
        assert "(from " in line
    assert "LIVEKIT_API_KEY " not in message
    assert ".env.example" in message


@pytest.mark.parametrize(
    "url",
    [
        "wss://example.livekit.cloud",
        "ws://localhost:7880",
        "https://example.livekit.cloud",
        "http://livekit:7880/",
    ],
)
def test_livekit_urls_the_worker_accepts(url: str) -> None:
    assert settings.malformed_for("start", {"LIVEKIT_URL": url}) == {}


@pytest.mark.parametrize(
    "url", ["not-a-url", "example.livekit.cloud", "localhost:7880", "wss://", "ftp://host"]
)
def test_a_malformed_livekit_url_stops_the_worker_with_the_forms_it_takes(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {**complete_environment("start"), "LIVEKIT_URL": url}
    assert settings.malformed_for("console", environ) == {}  # console never connects

    with pytest.raises(SystemExit) as stopped:
        settings.exit_if_unusable("start", environ)

    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert "these settings are malformed" in message
    assert "missing" not in message
    line = next(line for line in message.splitlines() if line.strip().startswith("LIVEKIT_URL"))
    assert repr(url) in line and "wss://" in line


def test_an_env_file_that_is_not_utf8_stops_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / ".env.local"
    env_file.write_bytes(b"LIVEKIT_URL=wss://example.livekit.cloud\nLIVEKIT_API_KEY=caf\xe9\n")

    with pytest.raises(SystemExit) as stopped:
        settings.load_env_file(env_file)

    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert str(env_file) in message and "0xe9" in message and "UTF-8" in message


{%- set first = "stt_model" if cookiecutter.__stt != "none" else "realtime_model" %}
{%- set voice = "tts_voice" if cookiecutter.__tts != "none" else "realtime_voice" %}


def test_models_come_from_models_toml_and_the_environment_wins() -> None:
    chosen = tomllib.loads(Path("models.toml").read_text())
    defaults = settings.Settings.from_env({})
    assert {name: getattr(defaults, name) for name in settings.MODEL_SETTINGS} == chosen

{%- set environment = '{"' ~ first | upper ~ '": "my-model", "' ~ voice | upper ~ '": "my-voice"}' %}
{%- if environment | length < 60 %}
    custom = settings.Settings.from_env({{ environment }})
{%- else %}
    custom = settings.Settings.from_env(
        {{ environment }}
    )
{%- endif %}
    assert custom.{{ first }} == "my-model"
    assert custom.{{ voice }} == "my-voice"


def test_models_toml_is_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_the_project = settings.Settings.from_env({})
    monkeypatch.chdir(tmp_path)
    assert settings.Settings.from_env({}) == in_the_project


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot be read"),
        ("{{ first }} = ", "is not valid TOML"),
        ("{{ first }} = 3", "needs a text value for {{ first }}"),
    ],
)
def test_a_missing_or_broken_models_file_stops_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, problem: str
) -> None:
    models_file = tmp_path / "models.toml"
    if content is not None:
        models_file.write_text(content)

    with pytest.raises(SystemExit) as stopped:
        settings.Settings.from_env({}, models_file)

    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert str(models_file) in message and problem in message


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["src/agent.py", "console", "--text"], "console"),
        (["src/agent.py", "start", "--log-level", "DEBUG"], "start"),
        (["src/agent.py", "download-files"], ""),
        (["/venv/lib/livekit/agents/__main__.py", "start", "src/agent.py"], "start"),
        (["src/agent.py"], ""),
        # Help needs no settings, for any command.
        (["src/agent.py", "console", "--help"], ""),
        (["/venv/lib/livekit/agents/__main__.py", "start", "-h"], ""),
    ],
)
def test_command_is_read_from_argv(argv: list[str], command: str) -> None:
    assert settings.command_from_argv(argv) == command


def test_recognises_livekits_module_cli() -> None:
    assert settings.launched_by_livekit_cli(["/venv/site-packages/livekit/agents/__main__.py"])
    assert not settings.launched_by_livekit_cli(["src/agent.py"])


def test_console_without_portaudio_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # makes `import sounddevice` fail

    with pytest.raises(SystemExit) as stopped:
        settings.exit_if_no_audio_library()

    assert stopped.value.code == 2
    assert "libportaudio2" in capsys.readouterr().err


def test_drain_timeout_defaults_below_the_platform_grace_period() -> None:
    assert settings.drain_timeout({}) == settings.DEFAULT_DRAIN_TIMEOUT_SECONDS
    assert settings.drain_timeout({"DRAIN_TIMEOUT_SECONDS": "42"}) == 42


def test_a_bad_drain_timeout_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        settings.drain_timeout({"DRAIN_TIMEOUT_SECONDS": "ten minutes"})
    assert "DRAIN_TIMEOUT_SECONDS='ten minutes'" in capsys.readouterr().err


def test_connection_retries_default_to_livekits() -> None:
    livekit_default = inspect.signature(AgentServer).parameters["max_retry"].default
    assert settings.connect_retries({}) == settings.DEFAULT_CONNECT_RETRIES == livekit_default
    assert settings.connect_retries({"LIVEKIT_CONNECT_RETRIES": "0"}) == 0
    with pytest.raises(SystemExit):
        settings.connect_retries({"LIVEKIT_CONNECT_RETRIES": "-1"})

{%- if cookiecutter.deploy_target == "railway" %}


@pytest.mark.parametrize("port", ["", str(settings.HEALTH_PORT)])
def test_railway_health_check_port_matches_the_worker(port: str) -> None:
    settings.exit_if_health_check_misses("start", {"PORT": port})


def test_a_railway_port_the_worker_does_not_serve_stops_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings.exit_if_health_check_misses("console", {"PORT": "8080"})  # no health server
    with pytest.raises(SystemExit) as stopped:
        settings.exit_if_health_check_misses("start", {"PORT": "8080"})
    assert stopped.value.code == 2
    assert f"PORT={settings.HEALTH_PORT}" in capsys.readouterr().err
{%- endif %}
