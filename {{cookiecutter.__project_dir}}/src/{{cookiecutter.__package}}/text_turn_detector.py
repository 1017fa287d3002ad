"""The multilingual text end-of-turn model from livekit-plugins-turn-detector.

Upstream deprecated this plugin in favour of `inference.TurnDetector` (an audio model). It is
kept because this project chose a text model: it reads the transcript, which helps with long
pauses inside sentences. Only the plugin's own import-time DeprecationWarning is silenced,
so any other deprecation in livekit still shows. Its model files come from the model hub:
run `uv run python -m livekit.agents download-files` once (the Dockerfile does it at build).
"""

import warnings

# The start of the plugin's warning (tests/unit/test_livekit_deprecations.py has all of it).
PLUGIN_WARNING = "`livekit.plugins.turn_detector` is deprecated"

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=PLUGIN_WARNING, category=DeprecationWarning)
    from livekit.plugins.turn_detector.multilingual import MultilingualModel

__all__ = ["MultilingualModel", "download_model", "load_model"]


def load_model() -> None:
    """Load the model from the local cache as the worker's inference process does at start.

    The plugin's runner is private, but it is the only code that opens these files the way the
    worker will; the package's `models` command uses it to prove an image has them.
    """
    # Imported above under the filter already, so this import warns no more.
    from livekit.plugins.turn_detector.multilingual import _EUORunnerMultilingual

    _EUORunnerMultilingual().initialize()


def download_model() -> None:
    """Fetch the model's files into the model hub's cache (the project's plugin checks first
    that the hub can be reached)."""
    from livekit.plugins.turn_detector.multilingual import _EUORunnerMultilingual

    _EUORunnerMultilingual._download_files()


def fetched_by_the_project() -> None:
    """The plugin's own download, replaced: the project's plugin fetches the one model it uses."""
