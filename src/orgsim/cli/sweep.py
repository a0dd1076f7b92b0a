"""Commands of the sweep layer (placeholder until implemented)."""
