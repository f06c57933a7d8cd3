"""Running the service: logs, metrics, readiness, outages, the worker's health server, and
read-only reports for operators."""
