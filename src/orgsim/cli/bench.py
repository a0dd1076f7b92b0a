"""Commands of the bench layer (placeholder until implemented)."""
