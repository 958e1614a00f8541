"""Plain models and business rules of async customer creation; no I/O, no Azure."""
