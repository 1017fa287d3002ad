"""Each eval sees `.env.local` as the agent does, and is skipped, saying why, when it cannot run."""

from collections.abc import Iterator

import pytest

from tests.evals.harness import env_file_loaded, skip_reason


@pytest.fixture(autouse=True)
def eval_environment() -> Iterator[None]:
    if reason := skip_reason():
        pytest.skip(reason)
    with env_file_loaded():
        yield
