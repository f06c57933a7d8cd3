"""Message templates: the one Jinja2 environment, rendering and SMS text rules."""
