"""Package data: published facts (facts.toml), claims (claims.toml) and the shipped scenarios."""
