"""How a process reaches the broker: its bootstrap address and the principal it authenticates
as (SASL SCRAM-SHA-512 on the client listener), in one object every client is opened with.

Credentials come from ``FUSION_KAFKA_USERNAME`` / ``FUSION_KAFKA_PASSWORD`` when set (a
partner's or a deployment's own), else from the local credentials folder
(``FUSION_CREDENTIALS_DIR``, default ``FUSION_RUN_DIR/credentials``: one
``<principal>.json`` per principal, mode 0600, written by ``deploy/kafka-start.sh`` and
``fusion principals``). Passwords never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings

MECHANISM = "SCRAM-SHA-512"
PROTOCOL = "SASL_PLAINTEXT"


@dataclass(frozen=True, slots=True)
class KafkaAccess:
    bootstrap: str
    username: str
    password: str = field(repr=False)
    mechanism: str = MECHANISM

    def kafka_python(self) -> dict[str, Any]:
        """Connection options of a kafka-python client (aiokafka takes the same ones)."""
        return {"bootstrap_servers": self.bootstrap, "security_protocol": PROTOCOL,
                "sasl_mechanism": self.mechanism, "sasl_plain_username": self.username,
                "sasl_plain_password": self.password}

    def librdkafka(self) -> dict[str, str]:
        """The same for librdkafka clients (confluent-kafka, kcat >= 1.7.1 with a current
        librdkafka): what a partner puts in its client's configuration."""
        return {"bootstrap.servers": self.bootstrap, "security.protocol": PROTOCOL,
                "sasl.mechanism": self.mechanism, "sasl.username": self.username,
                "sasl.password": self.password}


def credentials_dir(settings: ConnectionSettings) -> Path:
    return settings.credentials_dir or settings.run_dir / "credentials"


def kafka_access(settings: ConnectionSettings, principal: str) -> KafkaAccess:
    """The access of ``principal``, or of FUSION_KAFKA_USERNAME when that is set."""
    if settings.kafka_username:
        if settings.kafka_password is None:
            raise ConfigurationError(
                "FUSION_KAFKA_USERNAME is set but FUSION_KAFKA_PASSWORD is not")
        return KafkaAccess(settings.kafka_bootstrap, settings.kafka_username,
                           settings.kafka_password.get_secret_value())
    path = credentials_file(credentials_dir(settings), principal)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return KafkaAccess(settings.kafka_bootstrap, doc["username"], doc["password"],
                           doc.get("mechanism", MECHANISM))
    except FileNotFoundError:
        raise ConfigurationError(
            f"no Kafka credentials for {principal!r} in {path.parent}: 'make up' generates "
            f"them for the local stack, 'fusion principals add' for a new agency; or set "
            "FUSION_KAFKA_USERNAME and FUSION_KAFKA_PASSWORD") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"the credentials file {path} is unreadable ({type(exc).__name__}): "
            "'fusion principals rotate' writes a new one") from None


def credentials_file(directory: Path, principal: str) -> Path:
    if not principal or "/" in principal or principal.startswith("."):
        raise ConfigurationError(f"not a principal name: {principal!r}")
    return directory / f"{principal}.json"


def new_password() -> str:
    """32 random bytes, base64url: no character needs quoting in a JAAS line or a shell."""
    return secrets.token_urlsafe(32)


def write_credentials(directory: Path, principal: str, password: str) -> Path:
    """Write (or replace) a principal's credentials file, readable by its owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, stat.S_IRWXU)
    path = credentials_file(directory, principal)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"username": principal, "password": password, "mechanism": MECHANISM}, out)
        out.write("\n")
    tmp.replace(path)
    return path


def stored_password(directory: Path, principal: str) -> str | None:
    path = credentials_file(directory, principal)
    if not path.exists():
        return None
    password: str = json.loads(path.read_text(encoding="utf-8"))["password"]
    return password


AUDIT_KEY_FILE = "audit-key.json"


def audit_key(settings: ConnectionSettings) -> bytes:
    """The key that seals the dissemination audit's chain (FUSION_AUDIT_KEY, else the file)."""
    if settings.audit_key is not None:
        return base64.b64decode(settings.audit_key.get_secret_value())
    path = credentials_dir(settings) / AUDIT_KEY_FILE
    try:
        return base64.b64decode(json.loads(path.read_text(encoding="utf-8"))["key"])
    except FileNotFoundError:
        raise ConfigurationError(
            f"no audit key at {path}: 'fusion principals sync' makes one for the local stack; "
            "or set FUSION_AUDIT_KEY") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"the audit key file {path} is unreadable "
                                 f"({type(exc).__name__})") from None


RECEIPTS_KEY_FILE = "webhook-receipts-key.json"


def receipts_key(settings: ConnectionSettings) -> bytes:
    """The key that seals the webhook delivery receipts' chain (its own: the sender holds
    it, never the dissemination audit's)."""
    path = credentials_dir(settings) / RECEIPTS_KEY_FILE
    try:
        return base64.b64decode(json.loads(path.read_text(encoding="utf-8"))["key"])
    except FileNotFoundError:
        raise ConfigurationError(
            f"no webhook receipts key at {path}: 'fusion principals sync' makes one") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"the receipts key file {path} is unreadable "
                                 f"({type(exc).__name__})") from None


def ensure_audit_key(directory: Path, name: str = AUDIT_KEY_FILE) -> bool:
    """Make the audit key file ``name`` (32 random bytes) if there is none; True if it was
    made (the dissemination audit's, or with RECEIPTS_KEY_FILE the webhook receipts')."""
    path = directory / name
    if path.exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, stat.S_IRWXU)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"key": base64.b64encode(secrets.token_bytes(32)).decode()}, out)
    return True
