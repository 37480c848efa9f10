"""Library log levels, and aiokafka's retriable errors logged as warnings."""

from __future__ import annotations

import logging

import pytest
from aiokafka.errors import GroupCoordinatorNotAvailableError, UnknownMemberIdError

from fusion.logs import RetriableAsWarning, logging_config


def _record(*args: object) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.consumer.group_coordinator", logging.ERROR, __file__, 1,
                             "Group Coordinator Request failed: %s", args, None)


def test_a_retriable_error_becomes_a_warning_that_says_so() -> None:
    record = _record(GroupCoordinatorNotAvailableError())
    assert RetriableAsWarning().filter(record)
    assert (record.levelno, record.levelname) == (logging.WARNING, "WARNING")
    assert record.getMessage().endswith("(retriable; retrying)")


@pytest.mark.parametrize("arg", [UnknownMemberIdError(), ValueError("x"), "text"])
def test_anything_else_stays_an_error(arg: object) -> None:
    assert not getattr(arg, "retriable", False)
    record = _record(arg)
    assert RetriableAsWarning().filter(record)
    assert record.levelno == logging.ERROR


def test_the_worker_s_logging_config_sets_library_levels(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUSION_LIBRARY_LOG_LEVEL", "error")
    config = logging_config()
    loggers = config["loggers"]
    assert isinstance(loggers, dict)
    assert loggers["faust"] == {"level": "ERROR"}
    assert loggers["aiokafka.consumer.group_coordinator"] == {"filters": ["retriable"]}
    assert loggers["kafka.net.sasl.scram"] == {"filters": ["clear-channel"]}
