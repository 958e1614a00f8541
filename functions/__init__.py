"""Trigger adapters: parse what the host hands over, call one use case, render the result."""
