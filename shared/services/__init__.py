"""Use cases of the app; each takes its dependencies as keyword arguments and knows nothing of HTTP."""
