"""SIP telephony: call control tools, the start of each call, and the provisioning/dial commands.

`uv run python -m {{ cookiecutter.__package }}.telephony --help` lists the commands.
"""

from .calls import CALL_CONTROL_TOOLS, prepare_call, start_call

__all__ = ["CALL_CONTROL_TOOLS", "prepare_call", "start_call"]
