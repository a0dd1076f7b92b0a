"""The model: market, people, lead lifecycle and ledger, org-structure policies, friction."""
