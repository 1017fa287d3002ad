"""The multilingual text end-of-turn model (livekit-plugins-turn-detector).

Its weights come from the model hub through `download-files`; building it in a job needs them,
so that test is skipped when they are not in the local cache (offline machines, CI).
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from types import ModuleType

import pytest
from huggingface_hub import try_to_load_from_cache
from livekit.agents import Plugin
from livekit.agents.testing import fake_job_context

from {{ cookiecutter.__package }} import providers, text_turn_detector

PLUGIN_MODULE = "livekit.plugins.turn_detector.multilingual"
# The plugin's own import-time warning, word for word (livekit-plugins-turn-detector 1.8).
PLUGIN_WARNING = (
    "`livekit.plugins.turn_detector` is deprecated and will be removed in a "
    "future release. Use `livekit.agents.inference.TurnDetector` instead."
)
OTHER_WARNING = "some other livekit API is deprecated"


class DeprecatingPlugin(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Stands in for the plugin at import: warns as it does, then once more about something else."""

    def find_spec(self, fullname, path, target=None):
        if fullname != PLUGIN_MODULE:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module: ModuleType) -> None:
        warnings.warn(PLUGIN_WARNING, DeprecationWarning, stacklevel=2)
        warnings.warn(OTHER_WARNING, DeprecationWarning, stacklevel=2)
        module.MultilingualModel = type("MultilingualModel", (), {})


def test_only_the_plugins_own_deprecation_is_silenced(monkeypatch: pytest.MonkeyPatch) -> None:
    # Re-import text_turn_detector against a plugin that raises a second DeprecationWarning:
    # the plugin's own warning must be filtered and the other one must still reach the caller.
    plugin = sys.modules[PLUGIN_MODULE]
    monkeypatch.setattr(sys.modules["livekit.plugins.turn_detector"], "multilingual", plugin)
    monkeypatch.delitem(sys.modules, PLUGIN_MODULE)
    monkeypatch.setattr(sys, "meta_path", [DeprecatingPlugin(), *sys.meta_path])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importlib.reload(text_turn_detector)
    finally:
        monkeypatch.undo()
        importlib.reload(text_turn_detector)  # back to the real plugin

    assert [str(w.message) for w in caught] == [OTHER_WARNING]
    assert text_turn_detector.MultilingualModel is providers.MultilingualModel


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
