"""Consent to be texted or emailed: records (`records`), what the roster says (`roster`),
the disclosure people are shown (`disclosure`), email's one-click unsubscribe
(`unsubscribe`) and the history as CSV (`export`)."""
