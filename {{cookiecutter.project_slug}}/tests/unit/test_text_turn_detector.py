"""The multilingual text end-of-turn model (livekit-plugins-turn-detector).

Its weights come from the model hub through `download-files`; building it in a job needs them,
so that test is skipped when they are not in the local cache (offline machines, CI).
"""

import warnings

import pytest
from huggingface_hub import try_to_load_from_cache
from livekit.agents import Plugin
from livekit.agents.testing import fake_job_context

from {{ cookiecutter.__package }} import providers


def test_only_the_plugins_own_deprecation_is_silenced() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from {{ cookiecutter.__package }} import text_turn_detector

        warnings.warn("another livekit API is deprecated", DeprecationWarning, stacklevel=1)
    assert text_turn_detector.MultilingualModel is not None
    assert [str(w.message) for w in caught] == ["another livekit API is deprecated"]


def test_model_files_are_fetched_by_download_files() -> None:
    packages = [plugin.package for plugin in Plugin.registered_plugins]
    assert "livekit.plugins.turn_detector" in packages


def model_files_present() -> bool:
    found = try_to_load_from_cache(
        "livekit/turn-detector", "languages.json", revision="v0.4.1-intl"
    )
    return isinstance(found, str)


def test_is_built_inside_each_job() -> None:
    # The text model attaches to the job's inference process, so providers builds it per session.
    with pytest.raises(RuntimeError, match="job context"):
        providers.build_turn_handling()


@pytest.mark.skipif(
    not model_files_present(), reason="turn-detector model not downloaded (needs the model hub)"
)
def test_builds_inside_a_job() -> None:
    with fake_job_context():
        turn_handling = providers.build_turn_handling()
    assert turn_handling["turn_detection"].model
