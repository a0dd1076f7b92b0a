"""Package data: the published facts orgsim is validated against (facts.toml)."""
