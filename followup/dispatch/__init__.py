"""Dispatch: decide at send time, claim, render, send, record."""
