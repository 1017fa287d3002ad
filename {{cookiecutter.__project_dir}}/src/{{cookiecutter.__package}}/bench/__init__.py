"""A latency and capacity benchmark of this agent that runs offline: see `python -m
{{ cookiecutter.__package }}.bench --help` and docs/performance.md."""
