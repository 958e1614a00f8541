"""A local Functions host for the v2 Python programming model (Core Tools stand-in)."""

from devhost.errors import HostStartupError
from devhost.host import LocalHost

__all__ = ["HostStartupError", "LocalHost"]
