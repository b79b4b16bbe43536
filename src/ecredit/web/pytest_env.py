"""A pytest plugin loaded with `-p` (see pyproject.toml) before pytest-django reads the settings.

It points the tests at a throwaway data directory, so a test run never touches the developer's
`var/` (database, secret key, demo files).
"""

import os
import tempfile

os.environ.setdefault("ECREDIT_DATA_DIR", tempfile.mkdtemp(prefix="ecredit-test-"))
os.environ.setdefault("ECREDIT_ENV", "test")
# API rate limits are tested on their own (web/tests); elsewhere they would make tests depend on speed
os.environ.setdefault("ECREDIT_API_RATE", "off")
os.environ.setdefault("ECREDIT_API_TOKEN_RATE", "off")
