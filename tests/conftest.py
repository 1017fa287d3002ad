"""Show the bake matrix's table in pytest's summary, also when the matrix passes.

The table travels in the test report's user_properties, so it reaches the summary from a
pytest-xdist worker too (a worker's stdout never does).
"""

from __future__ import annotations

import pytest

MATRIX_TABLE = "matrix_table"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == MATRIX_TABLE:
                    terminalreporter.write_sep("=", "bake matrix")
                    terminalreporter.write_line(str(value))
