"""Log levels shared by every command and service.

The project's own loggers log at ``FUSION_LOG_LEVEL`` (default info); the libraries under
them (Faust, mode, aiokafka, kafka-python) at ``FUSION_LIBRARY_LOG_LEVEL`` (default warning):
at info, a starting worker prints some 150 lines of Faust's and aiokafka's start-up.

aiokafka logs a retriable broker error at ERROR before it retries it (a
``GroupCoordinatorNotAvailableError`` while a fresh broker elects the coordinator, a
``NotCoordinatorError`` while it moves): ``RetriableAsWarning`` logs those as WARNING, marked
"(retriable; retrying)", and leaves every other ERROR as it is.
"""

from __future__ import annotations

import logging
import os

LIBRARY_LOGGERS = ("faust", "mode", "aiokafka", "kafka")
RETRYING_LOGGERS = ("aiokafka.consumer.group_coordinator", "aiokafka.conn", "aiokafka.client")
SASL_LOGGERS = ("kafka.net.sasl.scram", "kafka.sasl.scram", "aiokafka.conn")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def project_level() -> str:
    return os.environ.get("FUSION_LOG_LEVEL", "info").upper()


def library_level() -> str:
    return os.environ.get("FUSION_LIBRARY_LOG_LEVEL", "warning").upper()


class QuietClearChannel(logging.Filter):
    """kafka-python warns, on every SASL_PLAINTEXT connection, that credentials are exchanged
    "in the clear". SCRAM never sends the password, and the local stack listens on loopback
    only; a deployment across hosts puts TLS under SASL (SASL_SSL), see deploy/README.md.
    The warning is logged at DEBUG instead of once per connection."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "in the clear" in str(record.msg):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


class RetriableAsWarning(logging.Filter):
    """An ERROR record whose arguments include a retriable Kafka error becomes a WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and _has_retriable(record.args):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.msg} (retriable; retrying)"
        return True


def _has_retriable(args: object) -> bool:
    values = args.values() if isinstance(args, dict) else args if isinstance(args, tuple) else ()
    return any(getattr(value, "retriable", False) is True for value in values)


def logging_config() -> dict[str, object]:
    """A ``logging.config.dictConfig`` fragment: library levels and the retriable filter.
    ``merge`` tells mode (Faust's worker) to merge it into its own configuration."""
    return {
        "version": 1,
        "merge": True,
        "disable_existing_loggers": False,
        "filters": {"retriable": {"()": RetriableAsWarning},
                    "clear-channel": {"()": QuietClearChannel}},
        "loggers": {
            **{name: {"level": library_level()} for name in LIBRARY_LOGGERS},
            **{name: {"filters": _filters_of(name)}
               for name in {*RETRYING_LOGGERS, *SASL_LOGGERS}},
        },
    }


def _filters_of(name: str) -> list[str]:
    return [*(["retriable"] if name in RETRYING_LOGGERS else []),
            *(["clear-channel"] if name in SASL_LOGGERS else [])]


def configure_logging() -> None:
    """For a command line program: project lines at ``FUSION_LOG_LEVEL`` on stderr, libraries
    at ``FUSION_LIBRARY_LOG_LEVEL``, retriable errors as warnings."""
    logging.basicConfig(level=project_level(), format=FORMAT)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level())
    for name in RETRYING_LOGGERS:
        logging.getLogger(name).addFilter(RetriableAsWarning())
    for name in SASL_LOGGERS:
        logging.getLogger(name).addFilter(QuietClearChannel())
