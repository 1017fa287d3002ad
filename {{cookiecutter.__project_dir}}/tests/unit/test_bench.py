{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set half = cookiecutter.architecture == "half-cascade" -%}
"""The benchmark's plumbing: the stage arithmetic, its inputs, and one real short run.

Figures are never asserted (a loaded CI machine would make that flaky); the structure of
the report is.
"""

import dataclasses
import json
import os
from pathlib import Path
from unittest.mock import create_autospec

import pytest
from livekit.agents import JobContext, TurnHandlingOptions
{%- if not pipeline %}
from livekit.rtc import AudioFrame
{%- endif %}

from bench import __main__ as cli
from bench import configs, modes, worker
from bench.profile import DEFAULT_PROFILE, Profile, ProfileError
{%- if not pipeline %}
from bench.simulated import SimulatedRealtimeModel, SimulatedRealtimeSession
{%- endif %}
from bench.speech import SPEECH_DIR
{%- if pipeline %}
from bench.timeline import STAGES, TurnMarks, breakdown, percentile
{%- else %}
from bench.timeline import STAGES, Timeline, TurnMarks, breakdown, percentile
{%- endif %}
from bench.worker import Jobs, Usage
from tests.entry_point import run_python

PROJECT = Path(__file__).parents[2]
{%- if pipeline %}


def marks(**overrides: float) -> TurnMarks:
    """A turn without preemptive generation: each stage starts when the previous one ends."""
    times = {
        "speech_end": 100.0,
        "stt_final": 100.25,
        "turn_committed": 100.6,
        "llm_request": 100.61,
        "llm_text_ready": 101.0,
        "tts_request": 101.01,
        "tts_first_audio": 101.2,
        "first_audio_out": 101.23,
    }
    return TurnMarks(index=0, **{**times, **overrides})


def test_sequential_stages_add_up_and_gaps_are_the_remainder() -> None:
    stages = breakdown(marks())
    assert stages["stt"] == pytest.approx(0.25)
    assert stages["endpointing"] == pytest.approx(0.35)
    assert stages["llm"] == pytest.approx(0.39)
    assert stages["tts"] == pytest.approx(0.19)
    # 10 ms before the LLM request, 10 ms before the TTS request, 30 ms to the speaker.
    assert stages["remainder"] == pytest.approx(0.05)
    assert sum(stages[s] for s in STAGES) == pytest.approx(stages["total"])


def test_work_hidden_behind_endpointing_is_not_charged() -> None:
    # Preemptive generation: the LLM starts on the final transcript, before the turn ends.
    stages = breakdown(marks(llm_request=100.26, llm_text_ready=100.9, tts_request=100.91))
    assert stages["llm"] == pytest.approx(0.3)  # only the part after the turn was committed
    assert stages["remainder"] == pytest.approx(0.01 + 0.03)
    assert sum(stages[s] for s in STAGES) == pytest.approx(stages["total"])
{%- elif half %}


def marks(**overrides: float) -> TurnMarks:
    """A turn as the realtime model and the TTS see it: each stage after the previous one."""
    times = {
        "speech_end": 100.0,
        "model_first_text": 100.98,
        "model_text_ready": 101.05,
        "tts_request": 101.06,
        "tts_first_audio": 101.235,
        "first_audio_out": 101.24,
    }
    return TurnMarks(index=0, **{**times, **overrides})


def test_only_what_a_half_cascade_has_is_split_and_gaps_are_the_remainder() -> None:
    assert STAGES == ("model", "sentence", "tts", "remainder")
    stages = breakdown(marks())
    assert stages["model"] == pytest.approx(0.98)  # end of speech to the model's first text
    assert stages["sentence"] == pytest.approx(0.07)  # the rest of the TTS's first sentence
    assert stages["tts"] == pytest.approx(0.175)
    # 10 ms before the TTS request, 5 ms to the speaker.
    assert stages["remainder"] == pytest.approx(0.015)
    assert sum(stages[s] for s in STAGES) == pytest.approx(stages["total"])
{%- else %}


def marks(**overrides: float) -> TurnMarks:
    """A turn as the realtime model sees it: its first audio, then the speaker's."""
    times = {"speech_end": 100.0, "model_first_audio": 100.98, "first_audio_out": 101.0}
    return TurnMarks(index=0, **{**times, **overrides})


def test_only_what_a_realtime_model_has_is_split_and_the_rest_is_the_remainder() -> None:
    assert STAGES == ("model", "remainder")
    stages = breakdown(marks())
    assert stages["model"] == pytest.approx(0.98)  # end of speech to the model's first audio
    assert stages["remainder"] == pytest.approx(0.02)  # the session, to the speaker
    assert sum(stages[s] for s in STAGES) == pytest.approx(stages["total"])
{%- endif %}


def test_an_incomplete_turn_is_refused() -> None:
    with pytest.raises(ValueError, match="incomplete"):
        breakdown(marks(first_audio_out=None))  # type: ignore[arg-type]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_the_built_in_profile_cites_every_figure() -> None:
    profile = Profile.from_file(DEFAULT_PROFILE)
{%- if pipeline %}
    figures = {"stt_final_delay", "llm_ttft", "llm_tokens_per_second", "tts_ttfb", "tts_rtf"}
{%- elif half %}
    figures = {"realtime_first_text", "realtime_tokens_per_second", "tts_ttfb", "tts_rtf"}
{%- else %}
    figures = {"realtime_first_audio"}
{%- endif %}
    assert set(profile.sources) == figures
    assert all(profile.sources.values())


@pytest.mark.parametrize(
    ("change", "named"),
    [
{%- if pipeline %}
        ({"llm_ttft": -1}, "llm_ttft"),
        ({"tts_ttfb": "fast"}, "tts_ttfb"),
        ({"llm_tokens_per_second": 0}, "llm_tokens_per_second"),
        ({"stt_delay": 0.2}, "stt_delay"),
{%- elif half %}
        ({"realtime_first_text": -1}, "realtime_first_text"),
        ({"tts_ttfb": "fast"}, "tts_ttfb"),
        ({"realtime_tokens_per_second": 0}, "realtime_tokens_per_second"),
        ({"llm_ttft": 0.2}, "llm_ttft"),  # a pipeline's figure: nothing here uses it
{%- else %}
        ({"realtime_first_audio": -1}, "realtime_first_audio"),
        ({"realtime_first_audio": "fast"}, "realtime_first_audio"),
        ({"tts_ttfb": 0.2}, "tts_ttfb"),  # nothing here uses it: the model speaks itself
{%- endif %}
    ],
)
def test_a_bad_profile_names_the_field(change: dict[str, object], named: str) -> None:
    data = json.loads(DEFAULT_PROFILE.read_text())
    with pytest.raises(ProfileError, match=named):
        Profile.from_dict({**data, **change})


def test_bad_input_stops_with_a_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["latency", "--speech", str(tmp_path)]) == 2
    assert "conversation.json" in capsys.readouterr().err
    (tmp_path / "profile.json").write_text('{"name": "x"}')
    assert cli.main(["latency", "--profile", str(tmp_path / "profile.json")]) == 2
    assert "missing field(s)" in capsys.readouterr().err
{%- if pipeline %}
    assert cli.main(["compare", "--baseline", "nonexistent"]) == 2
    assert "neither a configuration" in capsys.readouterr().err
{%- else %}


def test_compare_says_in_one_line_why_a_realtime_model_has_nothing_to_compare(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["compare"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("Cannot run the benchmark: compare ")
    assert captured.err.count("\n") == 1 and "use latency or capacity" in captured.err
    assert captured.out == ""


def realtime_session(profile: Profile) -> tuple[Timeline, SimulatedRealtimeSession, list[str]]:
    """The simulated model's session, and the events it emits, in order."""
    timeline = Timeline()
    model = SimulatedRealtimeModel(profile, timeline, ["the caller's words"], ["Hi.", "Sure."])
    session = model.session()
    emitted: list[str] = []
    for event in (
        "input_speech_started",
        "input_speech_stopped",
        "input_audio_transcription_completed",
        "generation_created",
    ):
        session.on(event, lambda _, event=event: emitted.append(event))
    return timeline, session, emitted


def frame() -> AudioFrame:
    return AudioFrame(bytes(480), 24000, 1, 240)


async def test_the_simulated_model_ends_the_turn_when_the_end_of_speech_reaches_it() -> None:
    """Like a provider's server-side turn detection: speech starts with the turn's first audio,
    and the end of the recording, once it has come through the session, ends the turn and
    starts the reply{% if half %} in text{% endif %}, due the profile's figure after the end of the speech."""
    profile = Profile.from_file(DEFAULT_PROFILE)
    timeline, session, emitted = realtime_session(profile)
    session.push_audio(frame())  # before the caller speaks: nothing heard
    assert emitted == []
    turn = timeline.begin_turn()
    session.push_audio(frame())
    session.push_audio(frame())
    assert emitted == ["input_speech_started"]
    turn.speech_end = 100.0
    session.push_audio(frame())
    session.push_audio(frame())  # the silence after it ends nothing more
    assert emitted == [
        "input_speech_started",
        "input_speech_stopped",
        "input_audio_transcription_completed",
        "generation_created",
    ]
{%- if half %}
    assert turn.model_first_text == 100.0 + profile.realtime_first_text
    # "Sure." answers the first turn ("Hi." greets): one word, one token, due with the first text.
    assert turn.model_tokens_due == [100.0 + profile.realtime_first_text]
{%- else %}
    assert turn.model_first_audio == 100.0 + profile.realtime_first_audio
{%- endif %}


async def test_the_simulated_reply_{{ "is_text_for_the_tts" if half else "is_audio" }}() -> None:
    # No delay: the test need not wait for the profile's figure.
    profile = dataclasses.replace(Profile.from_file(DEFAULT_PROFILE), realtime_first_{{ "text" if half else "audio" }}=0.0)
    _, session, _ = realtime_session(profile)
    generation = await session.generate_reply()  # the greeting: due from the request
    messages = [message async for message in generation.message_stream]
    assert [call async for call in generation.function_stream] == []
    (message,) = messages
    text = "".join([piece async for piece in message.text_stream])
    audio = [frame async for frame in message.audio_stream]
    assert text == "Hi."
{%- if half %}
    assert await message.modalities == ["text"] and audio == []
    assert not session.realtime_model.capabilities.audio_output
{%- else %}
    assert await message.modalities == ["audio", "text"] and audio
    assert session.realtime_model.capabilities.audio_output
{%- endif %}
{%- endif %}


@pytest.mark.bench
def test_it_runs_from_the_projects_root_as_documented() -> None:
    """`python -m bench` from the root: a package beside the agent's, not inside it."""
    result = run_python("-m", "bench", "profile", cwd=PROJECT, environ=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(DEFAULT_PROFILE.read_text())


def usage(**overrides: object) -> Usage:
    """Eight job processes of 10 s at 0.1 core and 60 MB each, beside 500 MB shared."""
    figures: dict[str, object] = {
        "seconds": 20.0,
        "worker_cpu_seconds": 10.0,
        "job_cpu_seconds": 8.0,
        "job_seconds": 80.0,
        "job_memory_mb": [60.0] * 7 + [64.0],
        "shared_memory_mb": 500.0,
        "total_memory_mb": 500.0 + 7 * 60 + 64,
        "machine_cpu_percent": 40.0,
        "memory_metric": "uss/pss",
    }
    return Usage(**{**figures, **overrides})  # type: ignore[arg-type]


def test_capacity_limits_scale_to_the_reference_worker() -> None:
    step = modes.Step.measure(8, [marks()] * 8, 0, usage(), threshold_ms=60, cores=2)
    assert step.passed
    assert step.cpu_per_session == pytest.approx(0.1)
    assert step.worker_cpu_percent == pytest.approx(25.0)  # 10 CPU-seconds in 20 s of 2 CPUs
    # Each more call adds its private memory (the jobs' mean); the shared part is paid once.
    assert step.memory_per_session_mb == 60.5
    limit = modes.limits(step, cores=2)
    # 8 sessions on 2 cores -> 16 on 4 cores; (8192 - 500) / 60.5 = 127 by memory.
    assert limit["reference_worker_by_cpu"] == 16
    assert limit["reference_worker_by_memory"] == 127
    assert limit["reference_worker_sessions"] == 16
    assert limit["limited_by"] == "CPU"
    heavy = modes.Step.measure(
        8, [marks()] * 8, 0, usage(job_memory_mb=[1000.0]), threshold_ms=60, cores=2
    )
    assert modes.limits(heavy, cores=2)["limited_by"] == "memory"
    late = modes.Step.measure(
        8, [marks(first_audio_out=101.4)], 0, usage(), threshold_ms=60, cores=2
    )
    assert not late.passed


def test_the_ramp_goes_on_past_the_given_steps_until_the_limit() -> None:
    assert list(modes.ramp([1, 2, 4], max_sessions=20)) == [1, 2, 4, 8, 12, 16, 20]
    assert list(modes.ramp([1, 8], max_sessions=6)) == [1]
    assert next(iter(modes.ramp([40], max_sessions=100))) == 40
    assert list(modes.ramp([40], max_sessions=70)) == [40, 50, 63]


def test_a_failed_step_names_the_cpu_only_when_the_cpus_were_busy() -> None:
    busy = modes.Step.measure(8, [], 8, usage(machine_cpu_percent=97.0), threshold_ms=60, cores=2)
    assert not busy.passed and modes.exhausted(busy) == "CPU"
    idle = modes.Step.measure(8, [], 8, usage(), threshold_ms=60, cores=2)
    assert modes.exhausted(idle) == "neither CPU nor memory"
{%- if pipeline %}


MISSING_MODEL = (
    'livekit-plugins-turn-detector initialization failed. Could not find file "languages.json".'
)


async def test_a_call_whose_model_is_missing_reports_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job tells the benchmark why it failed and ends, instead of leaving it to wait."""

    def missing_model() -> TurnHandlingOptions:
        raise RuntimeError(MISSING_MODEL)

    project = dataclasses.replace(configs.CONFIGS["project"], turn_handling=missing_model)
{%- else %}


CALL_FAILURE = "The session could not start."


async def test_a_call_that_fails_reports_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job tells the benchmark why it failed and ends, instead of leaving it to wait."""

    def failing() -> TurnHandlingOptions:
        raise RuntimeError(CALL_FAILURE)

    project = dataclasses.replace(configs.CONFIGS["project"], turn_handling=failing)
{%- endif %}
    monkeypatch.setitem(configs.CONFIGS, "project", project)
    ticket = tmp_path / "0000.ticket"
    run = modes.Run(tmp_path, Profile.from_file(DEFAULT_PROFILE), SPEECH_DIR)
    ticket.write_text(json.dumps(dataclasses.asdict(run.ticket("project", 1))))
    ctx = create_autospec(JobContext, instance=True)
    ctx.job.room.name = str(ticket)
{%- if pipeline %}
    ctx.proc.userdata = {"vad": None}
{%- endif %}

    await worker.bench_session(ctx)

    failure = ticket.with_suffix(".failed").read_text()
    assert "\n" not in failure and {{ "MISSING_MODEL" if pipeline else "CALL_FAILURE" }} in failure
{%- if cookiecutter.__turn_detection in ["audio-model", "text-model"] %}
    assert failure.startswith(configs.END_OF_TURN_MODEL) and "download-files" in failure
{%- endif %}
    assert not ticket.with_suffix(".result").exists()
    ctx.shutdown.assert_called_once()


def test_a_failed_call_stops_the_benchmark_with_that_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = Jobs(turns=[[]], failures=["The model did not load."], usage=usage())
    monkeypatch.setattr(modes, "run_jobs", lambda *args, **kwargs: jobs)
    assert cli.main(["latency", "--turns", "1", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "Cannot run the benchmark: The model did not load.\n"


@pytest.mark.bench
def test_one_turn_run_writes_a_report_with_every_stage(tmp_path: Path) -> None:
    """The real thing: a job process of the worker's pool, real VAD and end-of-turn model."""
    assert cli.main(["latency", "--turns", "1", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "latency.json").read_text())
    assert report["unanswered_turns"] == 0
    (turn,) = report["turns"]
    assert set(turn["stages"]) == {*STAGES, "total"}
    assert all(value >= 0 for value in turn["stages"].values())
    assert sum(turn["stages"][s] for s in STAGES) == pytest.approx(turn["stages"]["total"])
    assert set(report["summary"]) == {*STAGES, "total"}
    assert (tmp_path / "latency.png").read_bytes().startswith(b"\x89PNG")
{%- if pipeline %}


@pytest.mark.bench
def test_compare_runs_both_configurations_in_one_process(tmp_path: Path) -> None:
    """Several worker runs in one process: each job must find its own ticket."""
    assert cli.main(["compare", "--rounds", "1", "--turns", "1", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "compare.json").read_text())
    assert set(report["summaries"]) == {"project", "starter"}
    assert all(len(turns) == 1 for turns in report["turns"].values())
    assert set(report["p50_ratio"]) == {*STAGES, "total"}
    assert (tmp_path / "compare.png").read_bytes().startswith(b"\x89PNG")
{%- endif %}
