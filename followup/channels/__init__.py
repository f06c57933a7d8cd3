"""Channels: one small class per provider, each with one method, `send`."""
