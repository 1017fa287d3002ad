import itertools
import os

import pytest
from bake import DEFAULTS
from combinations import is_valid
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
