"""The project's exception tree.

    FusionError
     +-- DependencyUnavailableError   a broker, Redis or another service cannot be reached
     +-- AccessRefusedError      the broker refused this principal (credentials or ACLs)
     +-- PublishError            a producer could not deliver a record
     +-- ConfigurationError      settings or files that make no sense
"""

from __future__ import annotations


class FusionError(Exception):
    """Base of every error this project raises on purpose."""


class DependencyUnavailableError(FusionError):
    def __init__(self, dependency: str, where: str, hint: str) -> None:
        super().__init__(f"{dependency} at {where} is unreachable: {hint}")
        self.dependency = dependency


class AccessRefusedError(FusionError):
    def __init__(self, service: str, where: str, principal: str, reason: str) -> None:
        super().__init__(
            f"{service} at {where} refused {principal}: {reason}. 'fusion principals show "
            f"{principal}' lists what it may do")
        self.principal = principal


class PublishError(FusionError):
    pass


class ConfigurationError(FusionError):
    pass
