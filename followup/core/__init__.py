"""The ground floor every part stands on: the clock, errors, phone numbers."""
