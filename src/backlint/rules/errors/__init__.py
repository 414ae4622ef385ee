"""BL2xx: errors (leaked exception text, swallowed exceptions, debug mode, unlogged error responses)."""
