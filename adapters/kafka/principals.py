"""The broker side of ``fusion/contract/principals.py``: SCRAM credentials per principal and
the ACLs of the policy, applied with kafka-python's admin client as ``admin``.

``sync`` is idempotent: it gives every service (and, with ``agencies``, every agency not
revoked) credentials it lacks, writes their passwords to the credentials folder, and makes
the broker's ACLs exactly the policy's (missing ones created, others deleted). ``rotate``
replaces one principal's password; ``revoke`` deletes its credentials and marks it revoked
so a later ``sync`` leaves it out until ``add``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError

from adapters.kafka.access import (
    RECEIPTS_KEY_FILE,
    KafkaAccess,
    credentials_file,
    ensure_audit_key,
    new_password,
    stored_password,
    write_credentials,
)
from adapters.kafka.clients import open_admin, unavailable
from fusion.contract import Agency
from fusion.contract.principals import (
    ADMIN,
    BROKER,
    SERVICES,
    Grant,
    Operation,
    Resource,
    agency_principal,
    grants,
)
from fusion.errors import ConfigurationError

MECHANISM = ScramMechanism.SCRAM_SHA_512
_OPERATIONS = {Operation.READ: ACLOperation.READ, Operation.WRITE: ACLOperation.WRITE,
               Operation.CREATE: ACLOperation.CREATE, Operation.DESCRIBE: ACLOperation.DESCRIBE,
               Operation.DESCRIBE_CONFIGS: ACLOperation.DESCRIBE_CONFIGS,
               Operation.DELETE: ACLOperation.DELETE}
_RESOURCES = {Resource.TOPIC: ResourceType.TOPIC, Resource.GROUP: ResourceType.GROUP,
              Resource.TRANSACTIONAL_ID: ResourceType.TRANSACTIONAL_ID}


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)  # principals given new credentials
    restored: list[str] = field(default_factory=list)  # known passwords put back on the broker
    acls_created: int = 0
    acls_deleted: int = 0
    audit_key_made: bool = False


class PrincipalAdmin:
    """Credentials and ACLs on the broker, with the credentials folder ``directory``."""

    def __init__(self, admin: KafkaAccess, directory: Path) -> None:
        self._access = admin
        self._directory = directory
        self._client: KafkaAdminClient = open_admin(admin, client_id="fusion-principals")

    def close(self) -> None:
        self._client.close()

    def on_broker(self) -> set[str]:
        """Principals the broker holds SCRAM credentials for."""
        try:
            described = self._client.describe_user_scram_credentials()
        except KafkaError as exc:
            raise unavailable(self._access, exc) from exc
        return {user for user, info in described.items() if not info["error"]}

    def sync(self, *, agencies: bool) -> SyncReport:
        report = SyncReport()
        wanted = [*SERVICES, *(agency_principal(a) for a in Agency if agencies)]
        present = self.on_broker()
        upserts: list[tuple[str, str]] = []
        for principal in wanted:
            if self.revoked(principal):
                continue
            password = stored_password(self._directory, principal)
            if password is None:
                password = new_password()
                write_credentials(self._directory, principal, password)
                report.created.append(principal)
                upserts.append((principal, password))
            elif principal not in present:
                report.restored.append(principal)
                upserts.append((principal, password))
        self._upsert(upserts)
        report.acls_created, report.acls_deleted = self._apply_acls(grants())
        report.audit_key_made = ensure_audit_key(self._directory)
        ensure_audit_key(self._directory, RECEIPTS_KEY_FILE)
        return report

    def add(self, principal: str) -> str:
        """Give ``principal`` a new password (also after a revocation); returns it."""
        self._mark_revoked(principal, revoked=False)
        return self.rotate(principal)

    def rotate(self, principal: str) -> str:
        _refuse_bootstrap_principal(principal)
        password = new_password()
        self._upsert([(principal, password)])
        write_credentials(self._directory, principal, password)
        return password

    def revoke(self, principal: str) -> bool:
        """Delete the principal's credentials; False if the broker had none."""
        _refuse_bootstrap_principal(principal)
        had = principal in self.on_broker()
        if had:
            self._check(self._client.alter_user_scram_credentials(
                [UserScramCredentialDeletion(principal, MECHANISM)]))
        credentials_file(self._directory, principal).unlink(missing_ok=True)
        self._mark_revoked(principal, revoked=True)
        return had

    def revoked(self, principal: str) -> bool:
        return self._revoked_marker(principal).exists()

    def _revoked_marker(self, principal: str) -> Path:
        return credentials_file(self._directory, principal).with_suffix(".revoked")

    def _mark_revoked(self, principal: str, *, revoked: bool) -> None:
        marker = self._revoked_marker(principal)
        if revoked:
            self._directory.mkdir(parents=True, exist_ok=True)
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    def _upsert(self, users: Sequence[tuple[str, str]]) -> None:
        if users:
            self._check(self._client.alter_user_scram_credentials(
                [UserScramCredentialUpsertion(user, MECHANISM, password)
                 for user, password in users]))

    def _check(self, results: dict[str, str | None]) -> None:
        failed = {user: error for user, error in results.items() if error}
        if failed:
            raise ConfigurationError(
                "the broker refused credentials for " +
                ", ".join(f"{user} ({error})" for user, error in sorted(failed.items())))

    def _apply_acls(self, policy: Iterable[Grant]) -> tuple[int, int]:
        wanted = {_acl_key(g) for g in policy}
        everything = ACLFilter(principal=None, host="*", operation=ACLOperation.ANY,
                               permission_type=ACLPermissionType.ANY,
                               resource_pattern=ResourcePatternFilter(
                                   ResourceType.ANY, None, ACLResourcePatternType.ANY))
        try:
            found, error = self._client.describe_acls(everything)
        except KafkaError as exc:
            raise unavailable(self._access, exc) from exc
        if error is not None and error.errno != 0:
            raise ConfigurationError(f"the broker would not list its ACLs: {error}")
        present = {_key_of(acl): acl for acl in found}
        missing = [_acl(*key) for key in sorted(wanted - present.keys())]
        stale = [acl for key, acl in present.items() if key not in wanted]
        if missing:
            result = self._client.create_acls(missing)
            if result.get("failed"):
                raise ConfigurationError(f"the broker refused ACLs: {result['failed'][:3]}")
        if stale:
            self._client.delete_acls([_filter_of(acl) for acl in stale])
        return len(missing), len(stale)


AclKey = tuple[str, ResourceType, str, ACLResourcePatternType, ACLOperation]


def _acl_key(grant: Grant) -> AclKey:
    pattern = ACLResourcePatternType.PREFIXED if grant.prefixed else ACLResourcePatternType.LITERAL
    return (f"User:{grant.principal}", _RESOURCES[grant.resource], grant.name, pattern,
            _OPERATIONS[grant.operation])


def _key_of(acl: ACL) -> AclKey:
    pattern = acl.resource_pattern
    return (acl.principal, pattern.resource_type, pattern.resource_name, pattern.pattern_type,
            acl.operation)


def _acl(principal: str, resource: ResourceType, name: str, pattern: ACLResourcePatternType,
         operation: ACLOperation) -> ACL:
    return ACL(principal=principal, host="*", operation=operation,
               permission_type=ACLPermissionType.ALLOW,
               resource_pattern=ResourcePattern(resource, name, pattern))


def _filter_of(acl: ACL) -> ACLFilter:
    pattern = acl.resource_pattern
    return ACLFilter(principal=acl.principal, host=acl.host, operation=acl.operation,
                     permission_type=acl.permission_type,
                     resource_pattern=ResourcePatternFilter(
                         pattern.resource_type, pattern.resource_name, pattern.pattern_type))


def _refuse_bootstrap_principal(principal: str) -> None:
    if principal in (ADMIN, BROKER):
        raise ConfigurationError(
            f"{principal}'s password is set when the broker's storage is formatted "
            "(deploy/kafka-start.sh); to change it, reset the local stack (deploy/reset.sh)")
