"""The web process: health, and (with later issues) Twilio webhooks and staff pages."""
