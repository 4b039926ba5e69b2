"""Privacy at the door: pseudonymization, PII scrubbing, erasure."""
