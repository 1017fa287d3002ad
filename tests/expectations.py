"""Which files each answer owns: the oracle the bake tests compare the hook's pruning with."""

from __future__ import annotations

DEPLOY_TARGET_FILES = {
    "livekit-cloud": [],
    "docker": ["compose.yaml"],
    "kubernetes": ["deploy/kubernetes/kustomization.yaml"],
    "render": ["render.yaml"],
    "railway": ["railway.json"],
    "aws-ecs": ["deploy/aws-ecs/cloudformation.yaml"],
}


def package_dir(answers: dict[str, object]) -> str:
    return "src/" + str(answers["project_slug"]).replace("-", "_")


def owned_paths(answers: dict[str, object]) -> dict[str, bool]:
    """Path -> whether these answers must produce it (`answers` as rendered: the derived
    `__turn_detection` decides the turn detector's files)."""
    return _owned_paths({**answers, "turn_detection": answers["__turn_detection"]})


def _owned_paths(answers: dict[str, object]) -> dict[str, bool]:
    pkg = package_dir(answers)
    whisper = answers["__stt"] == "faster-whisper"
    kokoro = answers["__tts"] == "kokoro"
    expected = {
        f"{pkg}/local_stt.py": whisper,
        "tests/unit/test_local_stt.py": whisper,
        f"{pkg}/local_tts.py": kokoro,
        "tests/unit/test_local_tts.py": kokoro,
        f"{pkg}/text_turn_detector.py": answers["turn_detection"] == "text-model",
        "tests/unit/test_text_turn_detector.py": answers["turn_detection"] == "text-model",
        f"{pkg}/tools.py": bool(answers["use_tool_calling"]),
        "tests/unit/test_tools.py": bool(answers["use_tool_calling"]),
        f"{pkg}/knowledge/__init__.py": bool(answers["use_rag"]),
        "tests/unit/test_knowledge.py": bool(answers["use_rag"]),
        "knowledge/returns.md": bool(answers["use_rag"]),
        "tests/fixtures/knowledge/returns.md": bool(answers["use_rag"]),
        f"{pkg}/team/prompts/greeter.md": bool(answers["use_multi_agent"]),
        "telephony/dispatch-rule.json": bool(answers["use_sip"]),
        "src/livekit": whisper or kokoro or answers["turn_detection"] == "text-model",
        # lk agent create writes it; a template copy with no subdomain breaks that command.
        "livekit.toml": False,
        f"{pkg}/team/__init__.py": bool(answers["use_multi_agent"]),
        "tests/unit/test_team.py": bool(answers["use_multi_agent"]),
        f"{pkg}/assistant.py": not answers["use_multi_agent"],
        "tests/unit/test_assistant.py": not answers["use_multi_agent"],
        f"{pkg}/userdata.py": bool(
            answers["use_tool_calling"] or answers["use_multi_agent"] or answers["use_sip"]
        ),
        f"{pkg}/telephony/__init__.py": bool(answers["use_sip"]),
        "tests/unit/test_telephony.py": bool(answers["use_sip"]),
        "LICENSE": answers["license"] != "proprietary",
        "models.toml": True,
        "tests/unit/test_realtime.py": answers["architecture"] != "pipeline",
        "tests/scripted_realtime.py": answers["architecture"] != "pipeline",
        "bench/__main__.py": True,
        "tests/unit/test_bench.py": True,
        "tests/unit/test_vad.py": answers["architecture"] == "pipeline",
        f"{pkg}/preload.py": answers["architecture"] == "pipeline" or bool(answers["use_rag"]),
        "tests/unit/test_preload.py": answers["architecture"] == "pipeline"
        or bool(answers["use_rag"]),
    }
    for target, paths in DEPLOY_TARGET_FILES.items():
        for path in paths:
            expected[path] = answers["deploy_target"] == target
    return expected
