"""Table names two adapters share: a channel's partition of the customers table holds its customers,
their addresses and operations, and the search entries of its pending customers."""

CUSTOMERS_TABLE = "ChannelCustomers"
