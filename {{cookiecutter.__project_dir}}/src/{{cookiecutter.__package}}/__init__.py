"""The {{ cookiecutter.project_slug }} voice agent."""

import os

# onnxruntime, which runs the local models (Silero VAD and others), sends usage telemetry to
# Microsoft and writes a device id under ~/.cache unless this is set before it loads. Every
# module of the agent is imported after this package, so none of its processes phones home.
# The Docker image sets it too, for commands that do not import the agent.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
