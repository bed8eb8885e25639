"""Errors a learner can cause, named and worded as Airflow names and words them.

These are values the pages show; anything else that raises is a bug.
"""


class AirflowException(Exception):
    """Airflow's base error (``airflow.exceptions.AirflowException``)."""


class AirflowNotFoundException(AirflowException):
    """Raised when a conn_id is not found by any secrets backend."""


class InvalidConnection(AirflowException, ValueError):
    """A connection's fields, URI or JSON are malformed."""


class DecryptionError(AirflowException):
    """A stored secret cannot be decrypted with the configured Fernet key(s)."""


class HookError(AirflowException):
    """A hook could not build a client; ``type_name`` is the exception class Airflow would show."""

    def __init__(self, message: str, type_name: str = "AirflowException"):
        super().__init__(message)
        self.type_name = type_name


class CloudError(HookError):
    """A simulated cloud service answered with an error."""
