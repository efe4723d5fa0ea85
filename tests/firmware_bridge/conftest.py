"""The server fixtures (a real threaded server with the demo office: ``live_url``) for the
bridge's end-to-end tests."""

from tests.server.conftest import (  # noqa: F401
    app,
    contexts,
    fast_password_hashing,
    live_url,
    settings,
)
