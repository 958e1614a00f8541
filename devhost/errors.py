"""The one error type a start-up problem surfaces as, so callers can tell it from a crash."""


class HostStartupError(Exception):
    """The app cannot be hosted as configured; the message says what to fix."""
