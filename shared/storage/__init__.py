"""Adapters to Azure Table and Queue storage; every Azure SDK call of the app lives in this package."""
