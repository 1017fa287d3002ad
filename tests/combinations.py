"""The supported answer combinations: the template's test matrix, as data.

`single_variations()` changes one answer at a time from the defaults; `pairwise()` is a greedy
covering set in which every pair of values of two different prompts appears in some bake.
Combinations the pre-generation hook refuses are never produced (see `is_valid`).
"""

from __future__ import annotations

import itertools
import json

from bake import DEFAULTS, TEMPLATE

CHOICES: dict[str, list[object]] = {
    key: value
    for key, value in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items()
    if isinstance(value, list) and not key.startswith("_")
}
BOOLEANS = [
    key for key, value in DEFAULTS.items() if isinstance(value, bool) and key != "run_setup"
]
DIMENSIONS: dict[str, list[object]] = {
    **CHOICES,
    **{key: [True, False] for key in BOOLEANS},
    "agent_name": ["", "support-agent"],
}

INFERENCE_SERVES = {
    "stt": {"deepgram", "assemblyai", "openai"},
    "llm": {"openai-gpt-4.1-mini", "openai-gpt-4o"},
    "tts": {"cartesia"},
}


def is_valid(answers: dict[str, object]) -> bool:
    """Mirror of hooks/pre_gen_project.py; tests/test_hooks.py checks the two agree."""
    if answers.get("model_access") == "inference" and any(
        slot in answers and answers[slot] not in served for slot, served in INFERENCE_SERVES.items()
    ):
        return False
    if answers.get("turn_detection") == "stt" and answers.get("stt", "deepgram") not in {
        "deepgram",
        "assemblyai",
    }:
        return False
    return not (answers.get("use_sip") and answers.get("agent_name") == "")


def complete(overrides: dict[str, object]) -> dict[str, object]:
    """Defaults plus overrides, naming the agent for SIP and switching to provider plugins
    when Inference cannot serve the chosen models."""
    answers = {**DEFAULTS, **overrides}
    # SIP needs explicit dispatch; name the agent first, so that the missing name is not
    # mistaken below for a provider that LiveKit Inference cannot serve.
    if answers.get("use_sip") and not answers.get("agent_name"):
        answers["agent_name"] = "phone-agent"
    if not is_valid(answers) and "model_access" not in overrides:
        answers["model_access"] = "plugins"
    return {key: answers[key] for key in DEFAULTS if answers[key] != DEFAULTS[key]}


def single_variations() -> list[dict[str, object]]:
    combos: list[dict[str, object]] = [{}]
    for key, values in DIMENSIONS.items():
        for value in values:
            if value != DEFAULTS[key]:
                combos.append(complete({key: value}))
    return unique(combos)


def pairwise(dimensions: dict[str, list[object]] = DIMENSIONS) -> list[dict[str, object]]:
    keys = list(dimensions)
    uncovered = {
        (a, va, b, vb)
        for a, b in itertools.combinations(keys, 2)
        for va in dimensions[a]
        for vb in dimensions[b]
        if is_valid({a: va, b: vb})
    }
    rows: list[dict[str, object]] = []
    while uncovered:
        row: dict[str, object] = {}
        for key in keys:
            best = max(
                (v for v in dimensions[key] if is_valid({**row, key: v})),
                key=lambda v, key=key: (
                    sum(
                        1
                        for other, ov in row.items()
                        if (other, ov, key, v) in uncovered or (key, v, other, ov) in uncovered
                    )
                    + covers_later(key, v, uncovered)
                ),
            )
            row[key] = best
        newly = {(a, row[a], b, row[b]) for a, b in itertools.combinations(keys, 2)} & uncovered
        if not newly:  # pragma: no cover - a constraint left an unreachable pair
            break
        uncovered -= newly
        rows.append(row)
    return unique([{k: v for k, v in row.items() if v != DEFAULTS[k]} for row in rows])


def covers_later(key: str, value: object, uncovered: set[tuple]) -> float:
    # Tie-break towards values that still have many uncovered pairs ahead.
    return 0.001 * sum(1 for pair in uncovered if (pair[0], pair[1]) == (key, value))


def unique(combos: list[dict[str, object]]) -> list[dict[str, object]]:
    seen, result = set(), []
    for combo in combos:
        marker = json.dumps(combo, sort_keys=True)
        if marker not in seen:
            seen.add(marker)
            result.append(combo)
    return result


def combo_id(combo: dict[str, object]) -> str:
    if not combo:
        return "defaults"
    return ",".join(f"{k}={v}" for k, v in combo.items())
