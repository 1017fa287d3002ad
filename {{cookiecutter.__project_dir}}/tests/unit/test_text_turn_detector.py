"""The multilingual text end-of-turn model (livekit-plugins-turn-detector).

Its weights come from the model hub through `download-files`; building it in a job needs them,
so that test is skipped when they are not in the local cache (offline machines, CI).
"""

import importlib
import importlib.abc
import importlib.util
import os
import socket
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from huggingface_hub import try_to_load_from_cache
from livekit.agents.testing import fake_job_context

from {{ cookiecutter.__package }} import providers, text_turn_detector

from tests.entry_point import run_python

PROJECT = Path(__file__).parents[2]

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


def test_download_files_fetches_the_one_model_and_fails_fast_without_the_hub(
    tmp_path: Path,
) -> None:
    # The model hub at a port nothing listens on: the plugin's own download would retry each
    # file of both its models for about 50 s and print every line twice.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        hub = f"http://127.0.0.1:{probe.getsockname()[1]}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    environ |= {"HF_ENDPOINT": hub, "HF_HOME": str(tmp_path / "hub"), "HOME": str(tmp_path)}
    result = run_python("-m", "livekit.agents", "download-files", cwd=PROJECT, environ=environ)

    assert result.returncode == 1, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert output.count(f"Cannot reach the model hub at {hub}") == 1, output[-3000:]
    assert "Retrying" not in output and "v1.2.2-en" not in output, output[-3000:]
    assert "Traceback" not in output


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
