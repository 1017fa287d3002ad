"""The two bake sets (tests/combinations.py) and the matrix command (tests/matrix.py).

The set checks are cheap and run by default; the full matrix runs with `-m matrix`.
"""

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bake import BENCH_RUNS, DEFAULTS
from combinations import (
    CODE_DIMENSIONS,
    DIMENSIONS,
    PATTERNS,
    PROVIDER_DIMENSIONS,
    bench_key,
    bench_rows,
    benchmarkable,
    built_code_rows,
    code_row_for,
    code_row_gaps,
    code_rows,
    complete,
    default_suite,
    is_valid,
    pairwise,
    pattern_flags,
    provider_rows,
    stored_code_rows,
    variant_rows,
)
from conftest import MATRIX_TABLE
from matrix import Outcome, failures, matrix_combinations, parse_shard, run, select, table

# Each code row costs one project-suite run (~30 s of a core: sync, mypy from a warm cache,
# the project's pytest); a variant row costs a bake and its static checks (~2 s). The default
# run must stay within 12 minutes on 2 cores (README states the measured time): growing
# either number needs a new measurement.
CODE_ROW_BUDGET = 31
DEFAULT_SUITE_BUDGET = 100


def uncovered_pairs(
    rows: list[dict[str, object]], dimensions: dict[str, list[object]] = DIMENSIONS
) -> list[tuple[str, object, str, object]]:
    full = [{**DEFAULTS, **row} for row in rows]
    return [
        (a, va, b, vb)
        for a, b in itertools.combinations(dimensions, 2)
        for va in dimensions[a]
        for vb in dimensions[b]
        if is_valid({a: va, b: vb}) and not any(r[a] == va and r[b] == vb for r in full)
    ]


def test_sip_gets_an_agent_name_and_keeps_the_default_providers() -> None:
    assert complete({"use_sip": True}) == {"use_sip": True, "agent_name": "support-agent"}


def test_completion_switches_to_plugins_only_when_inference_serves_none_of_the_models() -> None:
    # Claude through its plugin, the rest through LiveKit Inference: a project of its own.
    assert complete({"llm": "anthropic-claude"}) == {"llm": "anthropic-claude"}
    local = {"stt": "faster-whisper", "llm": "ollama", "tts": "elevenlabs"}
    assert complete({**local, "use_sip": True}) == {
        **local,
        "model_access": "plugins",
        "use_sip": True,
        "agent_name": "support-agent",
    }


def test_completion_keeps_the_defaults_of_answers_the_architecture_does_not_use() -> None:
    assert complete({"architecture": "realtime", "stt": "assemblyai", "tts": "rime"}) == {
        "architecture": "realtime"
    }
    assert complete({"realtime_model": "gemini-live"}) == {}


def test_pairwise_covers_every_valid_pair_of_answers() -> None:
    rows = pairwise()
    assert uncovered_pairs(rows) == []
    assert all(is_valid({**DEFAULTS, **row}) for row in rows)


def test_the_benchmark_runs_once_per_pattern_combination_it_needs() -> None:
    rows = bench_rows()
    assert [bench_key(row) for row in rows] == [bench_key(run) for run in BENCH_RUNS]
    assert all(row in code_rows() and benchmarkable(row) for row in rows)


def test_default_suite_runs_every_pattern_combination() -> None:
    """All 16 on/off combinations of the four patterns are code rows (their suites run)."""
    seen = {tuple({**DEFAULTS, **row}[p] for p in PATTERNS) for row in code_rows()}
    assert seen == set(itertools.product([True, False], repeat=len(PATTERNS)))


def test_default_suite_bakes_every_value_and_every_pair() -> None:
    suite = default_suite()
    assert uncovered_pairs(suite) == []
    assert all(is_valid({**DEFAULTS, **row}) for row in suite)


def test_every_code_answer_gets_a_project_suite_run() -> None:
    """Each code token of each prompt is in a code row (whose suite runs), and so is every pair
    of them; values that share a token vary only in variant rows."""
    rows = code_rows()
    assert uncovered_pairs(rows, CODE_DIMENSIONS) == []
    for row in rows:
        full = {**DEFAULTS, **row}
        assert all(full[key] in CODE_DIMENSIONS.get(key, [DEFAULTS[key]]) for key in DIMENSIONS)


def test_the_stored_code_rows_cover_everything_the_greedy_build_does() -> None:
    """tests/code_rows.json (`python tests/combinations.py` searches for it) holds every pair,
    pattern combination and benchmark row; otherwise the suite falls back to the greedy build,
    which costs a project-suite run per extra row."""
    gaps = code_row_gaps(stored_code_rows())
    assert gaps == [], "run `uv run python tests/combinations.py` again:\n" + "\n".join(gaps)
    assert code_rows() == stored_code_rows()
    assert len(code_rows()) < len(built_code_rows())


def test_a_row_set_with_a_gap_is_told_apart_from_a_complete_one() -> None:
    stale = stored_code_rows()[:-1]
    assert code_row_gaps(stale) != []
    assert code_row_gaps(built_code_rows()) == []


def test_variant_rows_share_their_code_with_a_code_row() -> None:
    assert all(code_row_for(row) is not None for row in variant_rows(code_rows()))
    assert all(code_row_for(row) == row for row in code_rows())


def test_default_suite_bakes_each_row_once_and_stays_within_budget() -> None:
    suite = default_suite()
    assert len({str(sorted(row.items())) for row in suite}) == len(suite)
    assert len(code_rows()) <= CODE_ROW_BUDGET
    assert len(suite) <= DEFAULT_SUITE_BUDGET


def test_sets_are_deterministic_across_processes() -> None:
    # pytest-xdist workers each collect the parametrised bakes; they must agree.
    code = "from combinations import default_suite as d; print(d())"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=Path(__file__).parent,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_matrix_crosses_every_pattern_combination_with_every_provider_row() -> None:
    rows = provider_rows()
    assert {} in rows
    assert uncovered_pairs(rows, PROVIDER_DIMENSIONS) == []
    matrix = matrix_combinations()
    for row in rows:
        for flags in pattern_flags():
            assert complete({**row, **flags}) in matrix
    seen = {tuple(bool({**DEFAULTS, **c}[p]) for p in PATTERNS) for c in matrix}
    assert seen == set(itertools.product([False, True], repeat=4))
    assert len(matrix) >= 16 * len(rows)
    assert all(is_valid({**DEFAULTS, **c}) for c in matrix)


def test_default_suite_is_a_subset_of_the_matrix() -> None:
    matrix = matrix_combinations()
    assert all(row in matrix for row in default_suite())


def test_shards_split_the_matrix_without_overlap() -> None:
    combos = matrix_combinations()
    shards = [select(combos, (k, 4)) for k in range(1, 5)]
    assert sorted(map(str, itertools.chain(*shards))) == sorted(map(str, combos))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert select(combos, (2, 4), limit=3) == combos[1::4][:3]
    assert parse_shard("3/8") == (3, 8)
    with pytest.raises(ValueError):
        select(combos, (5, 4))


def test_table_shows_each_result_with_step_timings() -> None:
    outcomes = [
        Outcome({}, seconds={"bake": 0.2, "sync": 3.0, "ruff": 0.1}),
        Outcome({"llm": "ollama"}, "pytest", "1 failed", {"bake": 0.3, "pytest": 20.0}),
    ]
    text = table(outcomes, wall=25.0)
    assert "ok" in text.splitlines()[1] and "defaults" in text.splitlines()[1]
    assert "FAIL:pytest" in text and "llm=ollama" in text
    assert "1 passed, 1 failed" in text and "25 s wall time" in text
    assert "1 failed" in failures(outcomes)


@pytest.mark.matrix
def test_full_matrix(record_property: Callable[[str, object], None]) -> None:
    """MATRIX_SHARD=K/N runs one shard; the table shows in pytest's terminal summary."""
    started = time.monotonic()
    outcomes = run(
        jobs=os.cpu_count() or 1,
        shard=parse_shard(os.environ.get("MATRIX_SHARD", "1/1")),
        limit=int(os.environ["MATRIX_LIMIT"]) if os.environ.get("MATRIX_LIMIT") else None,
    )
    record_property(MATRIX_TABLE, table(outcomes, time.monotonic() - started))
    assert not any(o.failed for o in outcomes), failures(outcomes)
