"""RDS and ElastiCache as real AWS answers them, where moto 5.2 differs (loaded by moto_launcher.py).

- DeleteReplicationGroup / DeleteDBInstance: moto keeps a deleted replication group for ever (status "deleting")
  and drops a deleted DB instance at once. AWS keeps either "deleting" for minutes, then DescribeReplicationGroups /
  DescribeDBInstances answer ReplicationGroupNotFoundFault / DBInstanceNotFound. Here each is described once more as
  "deleting" and is gone for the describe after; a repeat of the delete meanwhile (the SDK's retry after a lost
  answer) gets AWS's InvalidReplicationGroupState / InvalidDBInstanceState.
- DeleteCacheSubnetGroup: not implemented (an HTML 500).
- CreateDBSubnetGroup: moto replaces a group of the same name; AWS answers DBSubnetGroupAlreadyExists.
- DeleteDBSubnetGroup: moto deletes a group a DB instance still uses; AWS answers InvalidDBSubnetGroupStateFault.
"""
from typing import Any

from moto.elasticache.models import ElastiCacheBackend

DELETING = "gm_deleting"


def emulate_scale_gaps() -> None:
    emulate_replication_group_delete()
    emulate_cache_subnet_group_delete()
    emulate_db_instance_delete()
    emulate_db_subnet_groups()


def emulate_replication_group_delete() -> None:
    from moto.elasticache.exceptions import ElastiCacheException
    from moto.elasticache.responses import ElastiCacheResponse

    class InvalidReplicationGroupState(ElastiCacheException):
        code = "InvalidReplicationGroupState"

    original = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self: ElastiCacheBackend, replication_group_id: str, retain_primary_cluster: bool | None):  # type: ignore[no-untyped-def]
        existing = self.replication_groups.get(replication_group_id)
        if existing is not None and getattr(existing, DELETING, False):
            raise InvalidReplicationGroupState(f"Replication group {replication_group_id} has status deleting which is not valid for deletion.")
        group = original(self, replication_group_id, retain_primary_cluster)
        setattr(group, DELETING, True)
        return group

    ElastiCacheBackend.delete_replication_group = delete_replication_group  # type: ignore[method-assign]

    describe = ElastiCacheResponse.describe_replication_groups

    def describe_replication_groups(self: ElastiCacheResponse) -> Any:
        backend = self.elasticache_backend
        asked = self._get_param("ReplicationGroupId")
        result = describe(self)
        # Described as deleting this once; gone for the next call.
        for group_id, group in list(backend.replication_groups.items()):
            if getattr(group, DELETING, False) and (not asked or asked == group_id):
                backend.replication_groups.pop(group_id, None)
        return result

    ElastiCacheResponse.describe_replication_groups = describe_replication_groups  # type: ignore[method-assign]


def emulate_cache_subnet_group_delete() -> None:
    """DeleteCacheSubnetGroup: not implemented in moto 5.2 (an HTML 500). AWS deletes an unused group, answers
    CacheSubnetGroupNotFoundFault for a missing one, and CacheSubnetGroupInUse while a cache still uses it."""
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

    def delete_cache_subnet_group(self: ElastiCacheResponse) -> EmptyResult:
        name = self._get_param("CacheSubnetGroupName")
        backend = self.elasticache_backend
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        if any(getattr(group, "cache_subnet_group_name", None) == name for group in backend.replication_groups.values()):
            raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache cluster.")
        del backend.cache_subnet_groups[name]
        return EmptyResult()

    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group  # type: ignore[attr-defined]


def emulate_db_instance_delete() -> None:
    """A deleted DB instance stays "deleting" for one more describe; a repeat delete meanwhile is InvalidDBInstanceState."""
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    original = RDSBackend.delete_db_instance

    def delete_db_instance(self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        existing = self.databases.get(db_instance_identifier)
        if existing is not None and getattr(existing, DELETING, False):
            raise RDSClientError("InvalidDBInstanceState", f"Instance {db_instance_identifier} is already being deleted.")
        database = original(self, db_instance_identifier, *args, **kwargs)
        setattr(database, DELETING, True)
        self.databases[db_instance_identifier] = database
        return database

    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]

    describe = RDSResponse.describe_db_instances

    def describe_db_instances(self: RDSResponse) -> Any:
        asked = self.params.get("DBInstanceIdentifier")
        result = describe(self)
        for db_id, database in list(self.backend.databases.items()):
            if getattr(database, DELETING, False) and (not asked or asked == db_id):
                self.backend.databases.pop(db_id, None)
        return result

    RDSResponse.describe_db_instances = describe_db_instances  # type: ignore[method-assign]


def emulate_db_subnet_groups() -> None:
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    create = RDSBackend.create_subnet_group

    def create_subnet_group(self: RDSBackend, subnet_name: str, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        if subnet_name in self.subnet_groups:
            raise RDSClientError("DBSubnetGroupAlreadyExists", f"The DB subnet group '{subnet_name}' already exists.")
        return create(self, subnet_name, *args, **kwargs)

    RDSBackend.create_subnet_group = create_subnet_group  # type: ignore[method-assign]

    delete = RDSBackend.delete_subnet_group

    def delete_subnet_group(self: RDSBackend, subnet_name: str):  # type: ignore[no-untyped-def]
        users = [db_id for db_id, database in self.databases.items() if getattr(database, "_db_subnet_group_name", None) == subnet_name]
        if users:
            raise RDSClientError("InvalidDBSubnetGroupStateFault", f"Cannot delete the subnet group '{subnet_name}' because at least one database instance: {users[0]} is still using it.")
        return delete(self, subnet_name)

    RDSBackend.delete_subnet_group = delete_subnet_group  # type: ignore[method-assign]
