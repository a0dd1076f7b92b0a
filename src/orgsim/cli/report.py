"""Commands of the report layer (placeholder until implemented)."""
