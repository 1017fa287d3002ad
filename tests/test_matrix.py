import itertools
import os

import pytest
from bake import DEFAULTS
from combinations import complete, is_valid
from matrix import PATTERNS, matrix_combinations, run, table


def test_matrix_covers_every_pattern_combination_with_valid_answers() -> None:
    combos = matrix_combinations()
    seen = {tuple(bool({**DEFAULTS, **c}[p]) for p in PATTERNS) for c in combos}
    assert seen == set(itertools.product([False, True], repeat=4))
    assert all(is_valid({**DEFAULTS, **c}) for c in combos)


@pytest.mark.matrix
def test_full_matrix() -> None:
    outcomes = run(jobs=os.cpu_count() or 1)
    print("\n" + table(outcomes))
    assert [o for o in outcomes if o.failed] == []


def test_sip_gets_an_agent_name_and_keeps_the_default_providers() -> None:
    assert complete({"use_sip": True}) == {"use_sip": True, "agent_name": "phone-agent"}


def test_completion_switches_to_plugins_only_when_inference_cannot_serve() -> None:
    assert complete({"llm": "ollama"}) == {"llm": "ollama", "model_access": "plugins"}
    assert complete({"llm": "ollama", "use_sip": True}) == {
        "llm": "ollama",
        "model_access": "plugins",
        "use_sip": True,
        "agent_name": "phone-agent",
    }
