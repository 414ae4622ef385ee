"""BL3xx: configuration (secrets and service addresses belong to the environment, not the code)."""
