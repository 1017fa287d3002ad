"""The supported answer combinations: the template's test matrix, as data.

Two sets are built from the prompts in cookiecutter.json:

- `default_suite()`, baked by `uv run pytest`: code rows (tests/code_rows.json, searched for
  by `search_code_rows`) holding the defaults, the 16 on/off combinations of the four
  patterns and every valid pair of answers that shape the code, then variants of those rows
  that change only values sharing a code token (deploy targets that only run the image, the
  license, the models LiveKit Inference serves), until every valid pair of values of two
  different prompts is baked. A variant's src/ and tests/ equal its code row's, so the two
  share one run of the project's own suite (tests/bake.py, `ProjectSuites`).
- `matrix_combinations()`, baked by `uv run pytest -m matrix` / `tests/matrix.py`: every
  pattern combination crossed with `provider_rows()` (a pairwise covering set of every other
  prompt), plus the default suite, so the default suite is a subset of it.

Combinations the pre-generation hook refuses are never produced (see `is_valid`); all
choices are deterministic, so every pytest-xdist worker collects the same list.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from collections import Counter
from collections.abc import Iterable
from functools import cache

from bake import BENCH_RUNS, DEFAULTS, TEMPLATE

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
PATTERNS = ["use_tool_calling", "use_rag", "use_multi_agent", "use_sip"]
PROVIDER_DIMENSIONS = {key: values for key, values in DIMENSIONS.items() if key not in PATTERNS}

CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())
MODELS = CONTEXT["_models"]
SPEAKS = CONTEXT["_speaks"]
# Answers an architecture does not use: hooks/pre_gen_project.py derives them as "none", so
# only their default stands for "not used" in the bake sets (any other value bakes the same).
UNUSED = {
    "pipeline": ("realtime_model",),
    "realtime": ("stt", "llm", "tts", "turn_detection"),
    "half-cascade": ("stt", "llm", "turn_detection"),
}


def is_valid(answers: dict[str, object]) -> bool:
    """Whether these answers (the defaults fill in the rest) generate a project no other answer
    set does: no derivation changes them and the pre-generation hook takes them. Mirrors
    hooks/pre_gen_project.py; tests/test_hooks.py checks the two agree."""
    full = {**DEFAULTS, **answers}
    architecture = str(full["architecture"])
    if any(full[key] != DEFAULTS[key] for key in UNUSED[architecture]):
        return False
    if full["use_sip"] and answers.get("agent_name") == "":
        return False  # (an answer set without the name is completed with one)
    if full["turn_detection"] == "stt" and full["stt"] not in CONTEXT["_stt_endpointing"]:
        return False
    used = {"realtime": full["realtime_model"]} if architecture != "pipeline" else {}
    if architecture == "pipeline":
        used.update(stt=full["stt"], llm=full["llm"])
    if architecture != "realtime":
        used["tts"] = full["tts"]
    if architecture == "half-cascade" and (
        full["realtime_model"] not in SPEAKS["half-cascade"]
        or (full["language"] == "multi" and full["tts"] != "openai")
    ):
        return False
    accesses = set()
    for slot, choice in used.items():
        if slot in SPEAKS and full["language"] not in SPEAKS[slot][choice]:
            return False
        if choice not in MODELS["plugins"][slot]:
            if full["model_access"] == "plugins":
                return False  # served only through LiveKit Inference: refused
            accesses.add("inference")
        elif full["model_access"] == "inference" and choice in MODELS["inference"][slot]:
            accesses.add("inference")
        else:
            accesses.add("plugins")
    # model_access=inference with no model that Inference serves bakes the plugins project.
    return accesses != {"plugins"} or full["model_access"] == "plugins"


def complete(overrides: dict[str, object]) -> dict[str, object]:
    """Defaults plus overrides, naming the agent for SIP and switching to provider plugins
    when Inference cannot serve the chosen models."""
    answers = {**DEFAULTS, **overrides}
    # Answers the architecture does not use keep their defaults (any other value bakes the same).
    for key in UNUSED[str(answers["architecture"])]:
        answers[key] = DEFAULTS[key]
    # SIP needs explicit dispatch; name the agent first, so that the missing name is not
    # mistaken below for a provider that LiveKit Inference cannot serve.
    if answers.get("use_sip") and not answers.get("agent_name"):
        answers["agent_name"] = "support-agent"
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


Pair = tuple[str, object, str, object]


def valid_pairs(dimensions: dict[str, list[object]]) -> set[Pair]:
    """Every pair of values of two different prompts that some valid answer set contains."""
    return {
        (a, va, b, vb)
        for a, b in itertools.combinations(dimensions, 2)
        for va in dimensions[a]
        for vb in dimensions[b]
        if is_valid({a: va, b: vb})
    }


def pairs_in(row: dict[str, object], dimensions: dict[str, list[object]]) -> set[Pair]:
    """The pairs a row covers; `row` may be partial or hold overrides only (defaults fill in)."""
    full = {**DEFAULTS, **row}
    return {
        (a, full[a], b, full[b])
        for a, b in itertools.combinations(dimensions, 2)
        if full[a] in dimensions[a] and full[b] in dimensions[b]
    }


def pairwise(
    dimensions: dict[str, list[object]] = DIMENSIONS,
    covered: Iterable[dict[str, object]] = (),
    tries: int = 20,
) -> list[dict[str, object]]:
    """Rows (as overrides of the defaults) that cover every valid pair `covered` leaves open.

    Greedy and deterministic (sets only count and filter, never choose, so every xdist worker
    collects the same list). Each row starts from an open pair of the two prompts with the
    most open pairs (the `tries` first such seeds are tried, the best row kept), then takes,
    prompt by prompt (most values first), the valid value that closes the most open pairs.
    """
    keys = list(dimensions)
    position = {key: index for index, key in enumerate(keys)}
    order = sorted(keys, key=lambda key: -len(dimensions[key]))
    uncovered = valid_pairs(dimensions)
    for row in covered:
        uncovered -= pairs_in(row, dimensions)

    def build(seed: Pair, open_per_value: Counter) -> dict[str, object]:
        a, va, b, vb = seed
        row: dict[str, object] = {a: va, b: vb}
        for key in order:
            if key in row:
                continue

            def gain(value: object, key: str = key) -> tuple[int, int]:
                closes = sum(
                    1
                    for other, ov in row.items()
                    if (other, ov, key, value) in uncovered or (key, value, other, ov) in uncovered
                )
                return (closes, open_per_value[(key, value)])

            row[key] = max((v for v in dimensions[key] if is_valid({**row, key: v})), key=gain)
        return row

    rows: list[dict[str, object]] = []
    while uncovered:
        open_per_prompts = Counter((a, b) for a, _, b, _ in uncovered)
        open_per_value = Counter(p[:2] for p in uncovered) + Counter(p[2:] for p in uncovered)

        def rank(pair: Pair, open_per_prompts: Counter = open_per_prompts) -> tuple[int, ...]:
            a, va, b, vb = pair
            return (
                -open_per_prompts[(a, b)],
                position[a],
                dimensions[a].index(va),
                position[b],
                dimensions[b].index(vb),
            )

        candidates = [build(seed, open_per_value) for seed in sorted(uncovered, key=rank)[:tries]]
        best = max(candidates, key=lambda row: len(pairs_in(row, dimensions) & uncovered))
        uncovered -= pairs_in(best, dimensions)
        rows.append({k: v for k, v in best.items() if v != DEFAULTS[k]})
    return unique(rows)


def pattern_flags() -> list[dict[str, bool]]:
    """All 16 on/off combinations of the four patterns."""
    return [
        dict(zip(PATTERNS, flags, strict=True))
        for flags in itertools.product([False, True], repeat=len(PATTERNS))
    ]


def pattern_combinations() -> list[dict[str, object]]:
    """The 16 pattern combinations with the default providers (and an agent name for SIP)."""
    return [complete(flags) for flags in pattern_flags()]


# Values that leave src/ and tests/ alike share a token: rows whose answers have the same
# tokens share one project-suite run. Every deploy target that runs the image and nothing else
# has the same code (railway checks its PORT, aws-ecs protects busy tasks: code of their own);
# the license never reaches the code. tests/test_bake.py bakes each token's values and checks
# that their code is identical.
#
# Models are data (models.toml at the project root), so the models that reach the code the
# same way share a token: the LLMs and voices LiveKit Inference serves all go through
# `inference.LLM`/`inference.TTS` (the ones without a plugin in the template are refused under
# model_access=plugins, where the others use their plugins). Speech-to-text and realtime values
# have no token: through Inference they share code, through their plugins they do not, and a
# value with a plugin of its own needs its own project-suite run.
CODE_TOKENS: dict[str, dict[object, str]] = {
    "deploy_target": dict.fromkeys(["livekit-cloud", "docker", "kubernetes", "render"], "image"),
    "license": dict.fromkeys(DIMENSIONS["license"], "any"),
    "llm": dict.fromkeys(
        ["openai-gpt-4.1-mini", "openai-gpt-4o", "google-gemini-2.5-flash", "deepseek-v3.2"],
        "served-by-inference",
    ),
    "tts": dict.fromkeys(["cartesia", "inworld", "deepgram-aura", "rime"], "served-by-inference"),
}
VARIANT_KEYS = tuple(CODE_TOKENS)


def token(key: str, value: object) -> object:
    return CODE_TOKENS.get(key, {}).get(value, value)


def representatives(key: str) -> list[object]:
    """One value per token of `key`, the first listed."""
    found: dict[object, object] = {}
    for value in DIMENSIONS[key]:
        found.setdefault(token(key, value), value)
    return list(found.values())


def representative(key: str, value: object) -> object:
    """The value that stands for `value`'s token in code rows."""
    return next(v for v in DIMENSIONS[key] if token(key, v) == token(key, value))


# The prompts as they shape the code: one value per token (the license drops out).
CODE_DIMENSIONS = {key: representatives(key) for key in DIMENSIONS if len(representatives(key)) > 1}


def fill(
    seed: dict[str, object],
    keys: list[str],
    uncovered: set[Pair],
    choices: dict[str, list[object]] = DIMENSIONS,
    base: dict[str, object] | None = None,
) -> dict[str, object]:
    """`seed` plus, prompt by prompt (most values first), the valid value of each of `keys`
    (from `choices`) that closes the most open pairs with what the row holds so far. Keys not
    assigned yet count as `base`'s values (default: the defaults) when validity is checked."""
    row = {**DEFAULTS, **seed}
    assigned = set(seed) | {key for key in DEFAULTS if key not in keys}
    open_per_value = Counter(p[:2] for p in uncovered) + Counter(p[2:] for p in uncovered)
    for key in sorted(keys, key=lambda key: -len(choices[key])):
        if key in seed:
            continue

        def gain(value: object, key: str = key) -> tuple[int, int]:
            closes = sum(
                1
                for other in assigned
                if other in DIMENSIONS
                and (
                    (other, row[other], key, value) in uncovered
                    or (key, value, other, row[other]) in uncovered
                )
            )
            return (closes, open_per_value[(key, value)])

        known = {**(base or {}), **{other: row[other] for other in assigned}}
        row[key] = max((v for v in choices[key] if is_valid({**known, key: v})), key=gain)
        assigned.add(key)
    return row


def pattern_values(answers: dict[str, object]) -> dict[str, object]:
    return {key: {**DEFAULTS, **answers}[key] for key in PATTERNS}


def covering_rows(
    dimensions: dict[str, list[object]],
    covered: Iterable[dict[str, object]] = (),
    candidates: int = 40,
    seed: int = 0,
) -> list[dict[str, object]]:
    """Rows (as overrides of the defaults) that cover every valid pair `covered` leaves open.

    AETG (Cohen et al., 1997): each row is the best of `candidates` rows, each built from a
    random open pair by taking, prompt by prompt in a random order, the valid value that
    closes the most open pairs. It needs fewer rows than `pairwise`'s single greedy build (23
    against 27 for the code prompts without the patterns). Seeded, and every set is sorted
    before a choice, so every pytest-xdist worker builds the same rows.
    """
    rng = random.Random(seed)
    uncovered = valid_pairs(dimensions)
    for row in covered:
        uncovered -= pairs_in(row, dimensions)
    keys = list(dimensions)
    rows: list[dict[str, object]] = []
    while uncovered:
        open_pairs = sorted(uncovered, key=repr)
        best: tuple[int, dict[str, object]] = (-1, {})
        for _ in range(candidates):
            a, va, b, vb = rng.choice(open_pairs)
            row: dict[str, object] = {a: va, b: vb}
            order = [key for key in keys if key not in row]
            rng.shuffle(order)
            for key in order:
                values = [v for v in dimensions[key] if is_valid({**row, key: v})]
                rng.shuffle(values)
                row[key] = max(
                    values,
                    key=lambda v, key=key: sum(
                        1
                        for other, ov in row.items()
                        if (other, ov, key, v) in uncovered or (key, v, other, ov) in uncovered
                    ),
                )
            closed = len(pairs_in(row, dimensions) & uncovered)
            if closed > best[0]:
                best = (closed, row)
        uncovered -= pairs_in(best[1], dimensions)
        rows.append({k: v for k, v in best[1].items() if v != DEFAULTS[k]})
    return rows


def benchmarkable(row: dict[str, object]) -> bool:
    """The benchmark runs offline with simulated providers but the real end-of-turn model and
    VAD: not with the text turn model or local Whisper, whose weights come from the model hub."""
    full = {**DEFAULTS, **row}
    return full["turn_detection"] != "text-model" and full["stt"] != "faster-whisper"


def bench_key(row: dict[str, object]) -> tuple[object, ...]:
    """What decides the benchmark's generated code: the patterns and the architecture."""
    return (*pattern_values(row).values(), {**DEFAULTS, **row}["architecture"])


def built_code_rows() -> list[dict[str, object]]:
    """Code rows built greedily from the prompts: the defaults, then rows covering every valid
    pair of the code-shaping answers other than the patterns, each given one of the 16 pattern
    combinations (those the benchmark runs with, tests/bake.py BENCH_RUNS, on rows it can run
    on), then rows for whatever pair with a pattern is still open. The starting point of
    `search_code_rows`, and what the suite falls back to while tests/code_rows.json is stale."""
    providers = {key: values for key, values in CODE_DIMENSIONS.items() if key not in PATTERNS}
    bases = covering_rows(providers, covered=[{}])
    uncovered = valid_pairs(CODE_DIMENSIONS) - pairs_in({}, CODE_DIMENSIONS)
    rows: list[dict[str, object]] = []
    taken = [pattern_values({})]
    for run in BENCH_RUNS[1:]:  # the defaults are the first
        same = [b for b in bases if benchmarkable(b) and bench_key(b)[-1] == bench_key(run)[-1]]
        if same:
            bases.remove(same[0])
        rows.append(complete({**(same[0] if same else {}), **run}))
        taken.append(pattern_values(run))
    for base in bases:
        choices = [f for f in pattern_flags() if f not in taken] or pattern_flags()
        candidates = [complete({**base, **flags}) for flags in choices]
        row = max(candidates, key=lambda row: len(pairs_in(row, CODE_DIMENSIONS) & uncovered))
        taken.append(pattern_values(row))
        uncovered -= pairs_in(row, CODE_DIMENSIONS)
        rows.append(row)
    free = [key for key in CODE_DIMENSIONS if key not in PATTERNS]
    for flags in pattern_flags():
        if flags not in taken:
            row = fill(flags, free, uncovered, CODE_DIMENSIONS)
            uncovered -= pairs_in(row, CODE_DIMENSIONS)
            rows.append({k: v for k, v in row.items() if v != DEFAULTS[k]})
    rows = unique([{}, *rows])
    rows = unique(rows + covering_rows(CODE_DIMENSIONS, covered=rows))
    return rows + rows_for_unreachable_pairs(rows)


def rows_for_unreachable_pairs(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """A pair no variant of `rows` reaches (a model only LiveKit Inference serves, next to
    answers whose code rows took the plugins) gets a code row of its own: the code row that
    takes it with the fewest changes."""
    added: list[dict[str, object]] = []
    unreachable = valid_pairs(DIMENSIONS) - reachable_by_variants(rows)
    while unreachable:
        pair = min(unreachable, key=repr)
        best = max(
            (row for row in nearest_rows(rows, pair) if pair in reachable_by_variants([row])),
            key=lambda row: len(reachable_by_variants([row]) & unreachable),
        )
        added.append({k: v for k, v in best.items() if v != DEFAULTS[k]})
        unreachable -= reachable_by_variants([best])
    return added


# Each code row costs a project-suite run, the suite's largest cost, so the rows are searched
# for once (`python tests/combinations.py`, minutes) and kept here; the greedy build needs
# about a third more rows. A change to the prompts that leaves a pair uncovered falls back to
# the greedy build, and tests/test_matrix.py fails until the search is run again.
CODE_ROWS_FILE = TEMPLATE / "tests" / "code_rows.json"


def code_row_gaps(rows: list[dict[str, object]]) -> list[str]:
    """What `rows` miss of what code rows must hold; empty when they hold it all."""
    gaps = [f"not a valid answer set: {row}" for row in rows if not is_valid(row)]
    if not rows or rows[0] != {}:
        gaps.append("the first row must be the defaults")
    gaps += [
        f"{key}={value} shares its code with {representative(key, value)}: use that"
        for row in rows
        for key, value in row.items()
        if key in CODE_DIMENSIONS and value != representative(key, value)
    ]
    gaps += [
        f"pair not covered: {pair}"
        for pair in sorted(
            valid_pairs(CODE_DIMENSIONS)
            - set().union(*(pairs_in(r, CODE_DIMENSIONS) for r in rows)),
            key=repr,
        )
    ]
    seen = [pattern_values(row) for row in rows]
    gaps += [
        f"pattern combination missing: {flags}" for flags in pattern_flags() if flags not in seen
    ]
    gaps += [
        f"no row the benchmark can run with {run}"
        for run in BENCH_RUNS
        if not any(bench_key(row) == bench_key(run) and benchmarkable(row) for row in rows)
    ]
    unreachable = valid_pairs(DIMENSIONS) - reachable_by_variants(rows)
    gaps += [f"pair no variant reaches: {pair}" for pair in sorted(unreachable, key=repr)]
    return gaps


def stored_code_rows() -> list[dict[str, object]]:
    try:
        stored = json.loads(CODE_ROWS_FILE.read_text())
    except (OSError, ValueError):
        return []
    return stored if isinstance(stored, list) else []


@cache
def code_rows() -> list[dict[str, object]]:
    """The rows whose project suites run: tests/code_rows.json while it covers everything
    `code_row_gaps` checks, the greedy build otherwise."""
    stored = stored_code_rows()
    return stored if not code_row_gaps(stored) else built_code_rows()


def search_code_rows(
    seconds: float = 600, seed: int = 0, moves: int = 100_000
) -> list[dict[str, object]]:
    """Fewer code rows than the greedy build, found by simulated annealing: drop the row whose
    loss opens the fewest pairs, then move single answers of the others (a worse move is kept
    with a probability that falls as the search cools) until nothing is open again; stop at
    the first size where that fails within its budget.

    Open means: a valid pair of values of code-shaping prompts that no row reaches, itself or
    through a variant (another value of the same token that is valid in that row), a missing
    pattern combination, a pattern combination of BENCH_RUNS without a row the benchmark can
    run on."""
    rng = random.Random(seed)
    keys = list(CODE_DIMENSIONS)
    reach = {key: DIMENSIONS[key] for key in keys}
    pairs = valid_pairs(reach)
    needs = [bench_key(run) for run in BENCH_RUNS]
    variable = [key for key in keys if key in CODE_TOKENS]

    def row_pairs(row: dict[str, object]) -> set[Pair]:
        values = {key: [row[key]] for key in keys}
        for key in variable:
            values[key] = [
                v
                for v in reach[key]
                if token(key, v) == token(key, row[key]) and is_valid({**row, key: v})
            ]
        return {
            (a, va, b, vb)
            for a, b in itertools.combinations(keys, 2)
            for va in values[a]
            for vb in values[b]
            if (len(values[a]) == 1 and len(values[b]) == 1) or is_valid({**row, a: va, b: vb})
        } & pairs

    def open_count(rows: list[dict[str, object]], counts: Counter) -> int:
        patterns = {tuple(pattern_values(row).values()) for row in rows}
        benches = sum(
            not any(bench_key(r) == need and benchmarkable(r) for r in rows) for need in needs
        )
        return sum(1 for p in pairs if counts[p] == 0) + 2 * (16 - len(patterns)) + 2 * benches

    def settle(rows: list[dict[str, object]], moves: int) -> bool:
        held = [row_pairs(row) for row in rows]
        counts = Counter(p for row in held for p in row)
        current = open_count(rows, counts)
        for step in range(moves):
            if current == 0:
                return True
            index = rng.randrange(1, len(rows))  # the defaults stay
            key = rng.choice(keys)
            moved = {**rows[index], key: rng.choice(CODE_DIMENSIONS[key])}
            for unused in UNUSED[str(moved["architecture"])]:
                moved[unused] = DEFAULTS[unused]
            if moved["use_sip"] and not moved["agent_name"]:
                moved["agent_name"] = "support-agent"
            if moved == rows[index] or not is_valid(moved):
                continue
            before, before_pairs, moved_pairs = rows[index], held[index], row_pairs(moved)
            counts.subtract(before_pairs)
            counts.update(moved_pairs)
            rows[index], held[index] = moved, moved_pairs
            after = open_count(rows, counts)
            temperature = 1.05 - step / moves
            if after <= current or rng.random() < math.exp((current - after) / temperature):
                current = after
            else:
                counts.subtract(moved_pairs)
                counts.update(before_pairs)
                rows[index], held[index] = before, before_pairs
        return current == 0

    kept = stored_code_rows()
    start = kept if not code_row_gaps(kept) else built_code_rows()  # from the kept rows if whole
    best = [{key: {**DEFAULTS, **row}[key] for key in DIMENSIONS} for row in start]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        held = [row_pairs(row) for row in best]
        counts = Counter(p for row in held for p in row)
        loss = [
            (sum(1 for p in held[index] if counts[p] == 1), index) for index in range(1, len(best))
        ]
        _, dropped = min(loss)
        trial = best[:dropped] + best[dropped + 1 :]
        if not settle(trial, moves):
            break
        best = trial
        print(f"{len(best)} rows", flush=True)
    rows = [{k: v for k, v in row.items() if v != DEFAULTS[k]} for row in best]
    return rows + rows_for_unreachable_pairs(rows)


def code_tokens(row: dict[str, object]) -> dict[str, object]:
    """Every answer of the row as the token it bakes into the code."""
    return {key: token(key, value) for key, value in {**DEFAULTS, **row}.items()}


def code_row_for(row: dict[str, object]) -> dict[str, object] | None:
    """The code row whose code `row` bakes (the same tokens), if any."""
    return next((base for base in code_rows() if code_tokens(base) == code_tokens(row)), None)


def bench_rows() -> list[dict[str, object]]:
    """The code rows where the benchmark's real run happens: the first with each pattern
    combination and architecture of BENCH_RUNS (tests/bake.py) that the benchmark can run on."""
    return [
        next(row for row in code_rows() if bench_key(row) == bench_key(run) and benchmarkable(row))
        for run in BENCH_RUNS
    ]


def reachable_by_variants(bases: list[dict[str, object]]) -> set[Pair]:
    """Every pair some variant of `bases` holds (the same code tokens, other values)."""
    reached: set[Pair] = set()
    for base in bases:
        full = {**DEFAULTS, **base}
        choices = [
            [v for v in DIMENSIONS[key] if token(key, v) == token(key, full[key])]
            for key in VARIANT_KEYS
        ]
        for values in itertools.product(*choices):
            row = {**full, **dict(zip(VARIANT_KEYS, values, strict=True))}
            if is_valid(row):
                reached |= pairs_in(row, DIMENSIONS)
    return reached


def variant_rows(bases: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows that give a base row other values of the same token (another deploy target that
    only runs the image, another license) until every valid pair of answers is covered."""
    uncovered = valid_pairs(DIMENSIONS)
    for row in bases:
        uncovered -= pairs_in(row, DIMENSIONS)

    def variant(base: dict[str, object]) -> dict[str, object]:
        full = {**DEFAULTS, **base}
        same_token = {
            key: [v for v in DIMENSIONS[key] if token(key, v) == token(key, full[key])]
            for key in VARIANT_KEYS
        }
        code = {k: v for k, v in full.items() if k not in VARIANT_KEYS}
        return fill(code, list(VARIANT_KEYS), uncovered, {**DIMENSIONS, **same_token}, full)

    rows: list[dict[str, object]] = []
    while uncovered:
        best = max(
            (variant(base) for base in bases),
            key=lambda row: len(pairs_in(row, DIMENSIONS) & uncovered),
        )
        uncovered -= pairs_in(best, DIMENSIONS)
        rows.append({k: v for k, v in best.items() if v != DEFAULTS[k]})
    return rows


def nearest_rows(bases: list[dict[str, object]], pair: Pair) -> list[dict[str, object]]:
    """The code rows that take a pair no variant reaches (a model only LiveKit Inference
    serves, next to answers whose code rows took the plugins), changing only the pair and,
    where the pair needs it, the model access."""
    a, va, b, vb = pair
    # Code rows hold one value per token (its first): the variant swaps in the pair's own.
    va, vb = representative(a, va), representative(b, vb)
    rows = []
    for changes in ({a: va, b: vb}, {a: va, b: vb, "model_access": "inference"}):
        rows += [{**DEFAULTS, **base, **changes} for base in bases]
    return [row for row in rows if is_valid(row)]


def default_suite() -> list[dict[str, object]]:
    """What `uv run pytest` bakes and checks; every row is also in `matrix_combinations()`."""
    bases = code_rows()
    return unique(bases + variant_rows(bases))


def provider_rows() -> list[dict[str, object]]:
    """The defaults and a pairwise covering set of every prompt that is not a pattern."""
    return [{}, *pairwise(PROVIDER_DIMENSIONS, covered=[{}])]


def matrix_combinations() -> list[dict[str, object]]:
    """The full matrix: every pattern combination x every provider row, then the rows of the
    default suite that the crossing does not already hold (so the default suite is a subset)."""
    crossed = [complete({**row, **flags}) for row in provider_rows() for flags in pattern_flags()]
    return unique(crossed + default_suite())


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


if __name__ == "__main__":
    # Search for fewer code rows and keep them (minutes; see CODE_ROWS_FILE).
    import sys

    found = search_code_rows(float(sys.argv[1]) if len(sys.argv) > 1 else 600)
    gaps = code_row_gaps(found)
    if gaps:
        sys.exit("the search left gaps:\n" + "\n".join(gaps))
    CODE_ROWS_FILE.write_text(json.dumps(found, indent=1) + "\n")
    print(
        f"{len(found)} code rows (the greedy build: {len(built_code_rows())}) -> {CODE_ROWS_FILE}"
    )
