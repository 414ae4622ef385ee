"""The libcst rules, one module per rule, grouped by family (the catalogue finds them itself)."""
