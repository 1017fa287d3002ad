import logging

import pytest


@pytest.fixture(autouse=True)
def fail_on_livekit_deprecation_logs(caplog: pytest.LogCaptureFixture):
    """livekit reports some API drift by logging instead of warning; fail on those too."""
    caplog.set_level(logging.WARNING, logger="livekit")
    yield
    drift = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("livekit") and "deprecated" in record.getMessage().lower()
    ]
    assert not drift, f"livekit reported deprecated usage: {drift}"
