"""The exception tree. Each class's docstring is its default message."""

from __future__ import annotations


class FollowupError(Exception):
    """Something went wrong in followup."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class ConfigError(FollowupError):
    """The configuration is invalid."""


class ProtocolError(ConfigError):
    """The protocol file is invalid."""


class SourceError(FollowupError):
    """A calendar or roster file could not be read."""


class RenderError(FollowupError):
    """A message template could not be rendered."""


class PatientNotFound(FollowupError, LookupError):
    """No patient has that id."""
