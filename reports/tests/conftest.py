"""Report tests draw charts in Chromium; without one they skip (or fail under REQUIRE_SERVICES)."""

import os
import shutil

import pytest


@pytest.fixture
def chromium() -> None:
    if shutil.which("chromium") is None:
        message = "no chromium on this machine (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false", "no"):
            pytest.fail(f"REQUIRE_SERVICES is set but {message}", pytrace=False)
        pytest.skip(message)
