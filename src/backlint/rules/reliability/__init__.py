"""BL5xx: reliability of I/O (no blocking calls in async code, timeouts on outbound calls)."""
