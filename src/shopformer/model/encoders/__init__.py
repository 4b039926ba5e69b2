"""Encoders: text → vector, item → vector, a person's events → one state per event."""
