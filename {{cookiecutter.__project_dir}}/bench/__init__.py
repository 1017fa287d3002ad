"""A latency and capacity benchmark of this project's agent that runs offline: see
`python -m bench --help` and docs/performance.md.

A development tool beside the agent's package, not part of it: it is left out of the wheel,
the image (.dockerignore) and the deployed dependencies (matplotlib and psutil are dev-only).
It drives the package's real session configuration: its VAD, turn handling and agent.
"""
