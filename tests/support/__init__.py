"""Helpers shared by the test rings: fault injection through the app's own seams, and HQ inspection."""
