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

from bench import __main__ as cli
from bench import configs, modes, worker
from bench.profile import DEFAULT_PROFILE, Profile, ProfileError
from bench.speech import SPEECH_DIR
from bench.timeline import STAGES, TurnMarks, breakdown, percentile
from bench.worker import Jobs, Usage
from tests.entry_point import run_python

PROJECT = Path(__file__).parents[2]


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


def test_an_incomplete_turn_is_refused() -> None:
    with pytest.raises(ValueError, match="incomplete"):
        breakdown(marks(first_audio_out=None))  # type: ignore[arg-type]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_the_built_in_profile_cites_every_figure() -> None:
    profile = Profile.from_file(DEFAULT_PROFILE)
    figures = {"stt_final_delay", "llm_ttft", "llm_tokens_per_second", "tts_ttfb", "tts_rtf"}
    assert set(profile.sources) == figures
    assert all(profile.sources.values())


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"llm_ttft": -1}, "llm_ttft"),
        ({"tts_ttfb": "fast"}, "tts_ttfb"),
        ({"llm_tokens_per_second": 0}, "llm_tokens_per_second"),
        ({"stt_delay": 0.2}, "stt_delay"),
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
    assert cli.main(["compare", "--baseline", "nonexistent"]) == 2
    assert "neither a configuration" in capsys.readouterr().err


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
    monkeypatch.setitem(configs.CONFIGS, "project", project)
    ticket = tmp_path / "0000.ticket"
    run = modes.Run(tmp_path, Profile.from_file(DEFAULT_PROFILE), SPEECH_DIR)
    ticket.write_text(json.dumps(dataclasses.asdict(run.ticket("project", 1))))
    ctx = create_autospec(JobContext, instance=True)
    ctx.job.room.name = str(ticket)
    ctx.proc.userdata = {"vad": None}

    await worker.bench_session(ctx)

    failure = ticket.with_suffix(".failed").read_text()
    assert "\n" not in failure and MISSING_MODEL in failure
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


@pytest.mark.bench
def test_compare_runs_both_configurations_in_one_process(tmp_path: Path) -> None:
    """Several worker runs in one process: each job must find its own ticket."""
    assert cli.main(["compare", "--rounds", "1", "--turns", "1", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "compare.json").read_text())
    assert set(report["summaries"]) == {"project", "starter"}
    assert all(len(turns) == 1 for turns in report["turns"].values())
    assert set(report["p50_ratio"]) == {*STAGES, "total"}
    assert (tmp_path / "compare.png").read_bytes().startswith(b"\x89PNG")
