"""Decides and remembers: policy, routing, consent, egress guard, storage, secrets, the CLI. No widgets."""
