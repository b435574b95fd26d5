"""ElastiCache as real AWS answers it, where moto 5.2 differs (loaded by moto_launcher.py).

- DeleteReplicationGroup: moto marks the group "deleting" and keeps it for ever; AWS removes it once deleted,
  and DescribeReplicationGroups then answers ReplicationGroupNotFoundFault. The answer to the delete still says
  "deleting" (as AWS's does); the group is gone for the next call.
- DeleteCacheSubnetGroup: not implemented (an HTML 500).
"""
from moto.elasticache.models import ElastiCacheBackend


def emulate_scale_gaps() -> None:
    original = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self: ElastiCacheBackend, replication_group_id: str, retain_primary_cluster: bool | None):  # type: ignore[no-untyped-def]
        group = original(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id, None)
        return group

    ElastiCacheBackend.delete_replication_group = delete_replication_group  # type: ignore[method-assign]
    emulate_cache_subnet_group_delete()


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
