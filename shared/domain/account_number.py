"""How an HQ account number is written from a number of the customer-account number sequence."""

from __future__ import annotations


def format_account_number(number: int, account_format: str) -> str:
    """`C{number:09d}` and 42 give `C000000042` (the D365 number-sequence format, set by ops)."""
    if number < 1:
        raise ValueError("account numbers start at 1")
    return account_format.format(number=number)
