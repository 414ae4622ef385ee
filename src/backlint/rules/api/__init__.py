"""BL4xx: API design (thin route handlers, paginated lists, validated input)."""
