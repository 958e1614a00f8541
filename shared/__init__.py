"""Async customer creation for retail channels: domain, use cases and storage adapters."""
