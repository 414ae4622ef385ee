"""BL1xx: database access (query building, N+1 queries, connections, transactions)."""
