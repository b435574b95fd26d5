"""Starts moto in server mode on 127.0.0.1 and a free port; prints the port; stops when stdin closes.

Tying the server's life to our stdin means it never outlives the test run or sandbox that started it.
"""
import json
import sys
from pathlib import Path

from threading import Lock, Thread
from typing import Any, Callable, Iterable

from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from moto_backup import emulate_backup_gaps
from moto_scale import emulate_scale_gaps

DLAMI_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dlami"


def seed_deep_learning_amis() -> None:
    """Real AWS publishes Deep Learning AMIs and their /aws/service/deeplearning parameters; moto has neither.

    Seeds both from test/fixtures/dlami (see its README): the images join moto's built-in AMI list, so they
    exist in every region after every reset; the parameters load per region on first read, like moto's own
    /aws/service/ami-amazon-linux-latest ones. Regions missing from the file have none (the name-pattern path).
    """
    from moto.core.utils import utcnow
    from moto.ec2.models import amis
    from moto.ssm.models import Parameter, ParameterDict

    amis.AMIS.extend(json.loads((DLAMI_FIXTURES / "images.json").read_text()))
    parameters = json.loads((DLAMI_FIXTURES / "ssm-parameters.json").read_text())
    original = ParameterDict._check_loading_status

    def check_loading_status(self: ParameterDict, key: str) -> None:
        original(self, key)
        if str(key or "").startswith("/aws/service/deeplearning") and not getattr(self, "gm_dlami_loaded", False):
            self.gm_dlami_loaded = True
            for name, value in parameters.get(self.region_name, {}).items():
                super(ParameterDict, self).__getitem__(name).append(Parameter(
                    account_id=self.account_id, name=name, value=value, parameter_type="String", description=None,
                    allowed_pattern=None, keyid=None, last_modified_date=utcnow(), version=1, data_type="aws:ec2:image",
                ))

    ParameterDict._check_loading_status = check_loading_status


def reuse_aws_managed_policies() -> None:
    """Builds AWS's ~1,600 managed policies once per partition, and gives each backend copies only when read.

    moto rebuilds them (a JSON dump per document) whenever an IAM backend is created, and every reset
    re-creates each partition's backend: about 0.4 s each, several seconds per test. A backend's copies
    are its own, so attachment counts, versions and tags never leak from one test into the next.
    """
    from moto.iam.models import IAMBackend

    built: dict[tuple[str, str], dict[str, Any]] = {}
    build_policies = IAMBackend._init_aws_policies

    def fresh_copy(policy: Any) -> Any:
        def shallow(thing: Any) -> Any:
            clone = object.__new__(type(thing))
            clone.__dict__.update(thing.__dict__)
            return clone

        clone = shallow(policy)
        clone.tags = dict(policy.tags)
        clone.versions = [shallow(version) for version in policy.versions]
        return clone

    class CopiedOnRead(dict):  # type: ignore[type-arg]
        """moto's managed_policies (ARN to policy) with AWS's policies copied in on first read."""

        def __init__(self, templates: dict[str, Any]) -> None:
            super().__init__()
            self.pending = dict(templates)

        def take(self, arn: Any) -> None:
            template = self.pending.pop(arn, None)
            if template is not None:
                super().__setitem__(arn, fresh_copy(template))

        def take_all(self) -> None:
            for arn in list(self.pending):
                self.take(arn)

        def __getitem__(self, arn: Any) -> Any:
            self.take(arn)
            return super().__getitem__(arn)

        def __contains__(self, arn: object) -> bool:
            self.take(arn)
            return super().__contains__(arn)

        def get(self, arn: Any, default: Any = None) -> Any:
            self.take(arn)
            return super().get(arn, default)

        def __setitem__(self, arn: Any, policy: Any) -> None:
            self.pending.pop(arn, None)
            super().__setitem__(arn, policy)

        def __delitem__(self, arn: Any) -> None:
            self.take(arn)
            super().__delitem__(arn)

        def pop(self, arn: Any, *default: Any) -> Any:
            self.take(arn)
            return super().pop(arn, *default)

    for name in ("__iter__", "__len__", "__repr__", "__eq__", "keys", "values", "items", "copy", "popitem", "setdefault", "update", "clear"):
        def whole(self: CopiedOnRead, *args: Any, _name: str = name, **kwargs: Any) -> Any:
            self.take_all()
            return getattr(dict, _name)(self, *args, **kwargs)
        setattr(CopiedOnRead, name, whole)

    def init_aws_policies(self: IAMBackend) -> list[Any]:
        return []

    def init_managed_policies(self: IAMBackend) -> dict[str, Any]:
        key = (self.account_id, self.region_name)
        if key not in built:
            built[key] = {policy.arn: policy for policy in build_policies(self)}
        return CopiedOnRead(built[key])

    IAMBackend._init_aws_policies = init_aws_policies
    IAMBackend._init_managed_policies = init_managed_policies


def keep_mixed_instances_policy_on_update() -> None:
    """UpdateAutoScalingGroup changes only what it is given; moto drops the mixed-instances policy when a call
    leaves it out (a pause's desired 0, a health check type), so the group would forget its types and market.
    """
    from moto.autoscaling.models import FakeAutoScalingGroup

    original = FakeAutoScalingGroup.update

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        kept = self.mixed_instances_policy if kwargs.get("mixed_instances_policy") is None and len(args) < 10 else None
        original(self, *args, **kwargs)
        if kept is not None:
            self.mixed_instances_policy = kept

    FakeAutoScalingGroup.update = update


def decode_launch_template_version_user_data() -> None:
    """A version made by CreateLaunchTemplateVersion keeps its UserData as a plain string where moto expects the
    Base64 wrapper CreateLaunchTemplate gives it, so a group launching from version 2 or later fails on an assert.
    Real EC2 launches it like any other version.
    """
    from moto.core.types import Base64EncodedString
    from moto.ec2.models.launch_templates import LaunchTemplateVersion

    def user_data(self: Any) -> Any:
        value = self.data.get("UserData")
        return Base64EncodedString(value) if isinstance(value, str) else value

    LaunchTemplateVersion.user_data = property(user_data)


def launch_group_instances_from_their_version() -> None:
    """A group launches from the launch template version it names, and DescribeAutoScalingGroups gives each
    instance the version it was launched from. moto runs a group's instances against the template's default
    version (their aws:ec2launchtemplate:version tag and TagSpecifications come from it) and reports every
    instance at the default version, so a group on version 2 would look as if its instances were still on 1.
    """
    from moto.autoscaling.models import FakeAutoScalingGroup, InstanceState

    original_replace = FakeAutoScalingGroup.replace_autoscaling_group_instances
    original_template = InstanceState.launch_template

    def replace_autoscaling_group_instances(self: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
        if self.ec2_launch_template is None:
            original_replace(self, count_needed, propagated_tags)
            return
        launch_into_group(self, count_needed, self.launch_template_version, self.instance_type, propagated_tags)

    def launch_template(self: Any) -> dict[str, Any] | None:
        spec = original_template.fget(self)  # type: ignore[attr-defined]
        version = getattr(self.instance, "gm_launch_template_version", None)
        if spec is not None and version is not None:
            spec["Version"] = version
        return spec

    FakeAutoScalingGroup.replace_autoscaling_group_instances = replace_autoscaling_group_instances
    InstanceState.launch_template = property(launch_template)


def launch_into_group(group: Any, count: int, version: str, instance_type: str, propagated_tags: dict[str, str] | None = None) -> list[Any]:
    """Runs `count` instances for a group from one version of its launch template, as moto's own group launch
    does (first subnet, tags), with the version's number on the instance so EC2 tags it as real EC2 does."""
    from moto.autoscaling.models import ASG_NAME_TAG, InstanceState
    from moto.moto_api._internal import mock_random as random

    template = group.ec2_launch_template
    chosen = template.get_version(version)
    tags = dict(propagated_tags if propagated_tags is not None else group.get_propagated_tags())
    tags[ASG_NAME_TAG] = group.name
    tags.update(chosen.instance_tags)
    subnet_id = group.vpc_zone_identifier.split(",")[0] if group.vpc_zone_identifier else None
    reservation = group.ec2_backend.run_instances(
        chosen.image_id, count, chosen.user_data, chosen.security_groups,
        instance_type=instance_type or chosen.instance_type,
        tags={"instance": tags},
        placement=random.choice(group.availability_zones),
        launch_config=None,
        launch_template={"LaunchTemplateId": template.id, "Version": str(chosen.number)},
        is_instance_type_default=False,
        associate_public_ip=None,
        subnet_id=subnet_id,
    )
    for instance in reservation.instances:
        instance.autoscaling_group = group
        instance.gm_launch_template_id = template.id
        instance.gm_launch_template_version = str(version)
        instance.gm_launch_template_number = chosen.number
        group.instance_states.append(InstanceState(instance, protected_from_scale_in=group.new_instances_protected_from_scale_in))
    return list(reservation.instances)


# Statuses in which a refresh blocks another (StartInstanceRefresh answers InstanceRefreshInProgress).
ACTIVE_REFRESH = ("Pending", "InProgress", "Cancelling", "Baking", "RollbackInProgress")


class InstanceRefresh:
    """One instance refresh of a group, moved on one step by each DescribeInstanceRefreshes that shows it."""

    def __init__(self, group: Any, preferences: dict[str, Any], desired: dict[str, Any] | None, strategy: str) -> None:
        from moto.core.utils import utcnow
        from moto.moto_api._internal import mock_random as random

        self.id = str(random.uuid4())
        self.group_name = group.name
        self.group_uid = group._id
        self.preferences = {
            "MinHealthyPercentage": 90, "SkipMatching": False, "AutoRollback": False,
            "ScaleInProtectedInstances": "Ignore", "StandbyInstances": "Ignore", **preferences,
        }
        self.desired = desired
        self.strategy = strategy
        self.status = "Pending"
        self.status_reason: str | None = None
        self.start = utcnow()
        self.end: Any = None
        self.percentage = 0
        self.terminate_first = False
        self.replacing: list[str] = []
        self.launched: list[str] = []

    def output(self) -> dict[str, Any]:
        remaining = 0 if self.status == "Successful" else len(self.replacing)
        out: dict[str, Any] = {
            "InstanceRefreshId": self.id, "AutoScalingGroupName": self.group_name, "Status": self.status,
            "StartTime": self.start, "PercentageComplete": self.percentage, "InstancesToUpdate": remaining,
            "ProgressDetails": {"LivePoolProgress": {"PercentageComplete": self.percentage, "InstancesToUpdate": remaining}},
            "Preferences": self.preferences, "Strategy": self.strategy,
        }
        if self.status_reason:
            out["StatusReason"] = self.status_reason
        if self.end is not None:
            out["EndTime"] = self.end
        if self.desired:
            out["DesiredConfiguration"] = self.desired
        return out


def emulate_instance_refresh() -> None:
    """StartInstanceRefresh, DescribeInstanceRefreshes and CancelInstanceRefresh, which moto lacks.

    Real AWS replaces a group's instances over minutes; here each DescribeInstanceRefreshes that shows an active
    refresh moves it one step, so the engine's wait and progress run for real and every run is the same:
    Pending → (first describe) the replacements are launched from the desired configuration's launch template
    version and first override type (else the group's), InProgress 0% → (next describe) the replaced instances
    are terminated and the group takes the desired configuration, Successful 100%. The replacements launch
    before anything terminates when MaxHealthyPercentage is above 100, else (AWS's default 100) the old ones are
    terminated first. SkipMatching keeps instances already on the
    desired version and one of its types (with nothing to replace, the refresh succeeds at once, as on AWS).
    A second start while one is active answers InstanceRefreshInProgress; a cancel terminates replacements
    not yet put in service in place of the old instance, which keeps running (Cancelling → Cancelled).
    A launch that EC2 refuses (a deleted template version) fails the refresh with EC2's words.
    """
    import copy

    from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.elbv2.models import elbv2_backends

    class RefreshInProgressError(AutoscalingClientError):
        code = "InstanceRefreshInProgress"

    class NoActiveRefreshError(AutoscalingClientError):
        code = "ActiveInstanceRefreshNotFound"

    def refreshes(backend: Any, name: str) -> list[InstanceRefresh]:
        """The group's refreshes, newest first (kept on the backend, so a reset forgets them)."""
        registry: dict[str, list[InstanceRefresh]] = backend.__dict__.setdefault("gm_instance_refreshes", {})
        group = backend.autoscaling_groups.get(name)
        kept = [r for r in registry.get(name, []) if group is not None and r.group_uid == group._id]
        registry[name] = kept
        return kept

    def group_of(backend: Any, name: str) -> Any:
        group = backend.autoscaling_groups.get(name)
        if group is None:
            raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found")
        return group

    def target(group: Any, desired: dict[str, Any] | None) -> tuple[str, str, list[str]]:
        """The launch template version and instance types the refresh launches from (types: overrides, in order)."""
        policy = (desired or {}).get("MixedInstancesPolicy")
        spec = (desired or {}).get("LaunchTemplate")
        overrides: list[dict[str, Any]] = []
        if policy:
            spec = policy.get("LaunchTemplate", {}).get("LaunchTemplateSpecification")
            overrides = policy.get("LaunchTemplate", {}).get("Overrides") or []
        elif not spec:
            current = group.mixed_instances_policy or {}
            overrides = current.get("LaunchTemplate", {}).get("Overrides") or []
        template = group.ec2_launch_template
        if spec:
            wanted = spec.get("LaunchTemplateId") or spec.get("LaunchTemplateName")
            if wanted not in (template.id, template.name):
                template = (group.ec2_backend.get_launch_template(wanted) if spec.get("LaunchTemplateId")
                            else group.ec2_backend.get_launch_template_by_name(wanted))
            version = str(spec.get("Version") or "$Default")
        else:
            version = str(group.launch_template_version)
        types = [o["InstanceType"] for o in overrides if o.get("InstanceType")] or [template.get_version(version).instance_type]
        return template.id, version, types

    def matches(group: Any, state: Any, template_id: str, version: str, types: list[str]) -> bool:
        template = group.ec2_backend.get_launch_template(template_id)
        instance = state.instance
        launched_from = (getattr(instance, "gm_launch_template_id", None), getattr(instance, "gm_launch_template_number", None))
        return launched_from == (template_id, template.get_version(version).number) and instance.instance_type in types

    def take_out(backend: Any, group: Any, ids: list[str]) -> None:
        """Terminates group instances without the group replacing them (the refresh already has)."""
        ids = [i for i in ids if any(s.instance.id == i for s in group.instance_states)]
        if not ids:
            return
        group.instance_states = [s for s in group.instance_states if s.instance.id not in ids]
        backend.ec2_backend.terminate_instances(ids)
        elbv2_backends[backend.account_id][backend.region_name].notify_terminate_instances(ids)
        backend.update_attached_elbs(group.name)

    def apply_desired(backend: Any, group: Any, desired: dict[str, Any] | None) -> None:
        """After a successful refresh the group keeps the desired configuration (as UpdateAutoScalingGroup would)."""
        if not desired:
            return
        if desired.get("MixedInstancesPolicy"):
            group.mixed_instances_policy = copy.deepcopy(desired["MixedInstancesPolicy"])
            group._set_launch_configuration(None, {}, group.mixed_instances_policy)
        elif desired.get("LaunchTemplate"):
            group.mixed_instances_policy = None
            group._set_launch_configuration(None, copy.deepcopy(desired["LaunchTemplate"]), None)

    def advance(backend: Any, refresh: InstanceRefresh) -> None:
        group = backend.autoscaling_groups.get(refresh.group_name)
        if refresh.status == "Cancelling":
            refresh.status, refresh.end = "Cancelled", utcnow()
            return
        if group is None:
            refresh.status, refresh.end, refresh.status_reason = "Failed", utcnow(), "The Auto Scaling group was deleted."
            return
        if refresh.status == "Pending":
            template_id, version, types = target(group, refresh.desired)
            if refresh.terminate_first:
                # MaxHealthyPercentage 100 on a group of one: the old instance goes before its replacement starts.
                take_out(backend, group, refresh.replacing)
            try:
                launched = launch_into_group(group, len(refresh.replacing), version, types[0])
            except Exception as error:  # what EC2 refused, in its words, as the refresh's reason
                refresh.status, refresh.end = "Failed", utcnow()
                refresh.status_reason = f"An instance failed to launch: {getattr(error, 'message', None) or error}"
                if refresh.terminate_first:
                    # The group keeps its own (previous) configuration and launches from it to meet its desired capacity.
                    group.set_desired_capacity(group.desired_capacity)
                    backend.update_attached_target_groups(group.name)
                return
            refresh.launched = [i.id for i in launched]
            refresh.status, refresh.percentage = "InProgress", 0
            refresh.status_reason = f"Waiting for instances to warm up before continuing. For example: {refresh.launched[0]} is warming up."
            backend.update_attached_target_groups(group.name)
            return
        if refresh.status == "InProgress":
            take_out(backend, group, refresh.replacing)
            apply_desired(backend, group, refresh.desired)
            backend.update_attached_target_groups(group.name)
            refresh.status, refresh.percentage, refresh.end, refresh.status_reason = "Successful", 100, utcnow(), None

    def start_instance_refresh(self: Any) -> ActionResult:
        backend = self.autoscaling_backend
        name = self._get_param("AutoScalingGroupName")
        group = group_of(backend, name)
        if any(r.status in ACTIVE_REFRESH for r in refreshes(backend, name)):
            raise RefreshInProgressError("An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")
        preferences = self._get_param("Preferences") or {}
        low, high = preferences.get("MinHealthyPercentage"), preferences.get("MaxHealthyPercentage")
        if high is not None and (low is None or not 100 <= high <= 200 or high - low > 100):
            raise ValidationError("Both MinHealthyPercentage and MaxHealthyPercentage must be specified, MaxHealthyPercentage must be between 100 and 200, and the difference between them cannot be greater than 100.")
        desired = self._get_param("DesiredConfiguration") or None
        refresh = InstanceRefresh(group, preferences, copy.deepcopy(desired), self._get_param("Strategy") or "Rolling")
        # AWS's default MaxHealthyPercentage is 100: capacity never goes above desired, so it terminates first.
        refresh.terminate_first = int(high if high is not None else 100) <= 100
        template_id, version, types = target(group, desired)
        skip = bool(preferences.get("SkipMatching"))
        refresh.replacing = [
            s.instance.id for s in group.instance_states
            if s.lifecycle_state == "InService" and not (skip and matches(group, s, template_id, version, types))
        ]
        if not refresh.replacing:
            # Nothing to replace: AWS succeeds at once and takes the desired configuration.
            apply_desired(backend, group, desired)
            refresh.status, refresh.percentage, refresh.end = "Successful", 100, utcnow()
        refreshes(backend, name).insert(0, refresh)
        return ActionResult({"InstanceRefreshId": refresh.id})

    def describe_instance_refreshes(self: Any) -> ActionResult:
        backend = self.autoscaling_backend
        name = self._get_param("AutoScalingGroupName")
        wanted = self._get_param("InstanceRefreshIds") or []
        shown = [r for r in refreshes(backend, name) if not wanted or r.id in wanted]
        for refresh in shown:
            if refresh.status in ACTIVE_REFRESH:
                advance(backend, refresh)
        return ActionResult({"InstanceRefreshes": [r.output() for r in shown]})

    def cancel_instance_refresh(self: Any) -> ActionResult:
        backend = self.autoscaling_backend
        name = self._get_param("AutoScalingGroupName")
        group_of(backend, name)
        active = next((r for r in refreshes(backend, name) if r.status in ("Pending", "InProgress", "Baking")), None)
        if active is None:
            raise NoActiveRefreshError(f"No in progress or pending Instance Refresh found for Auto Scaling group {name}")
        # Launch before terminate: the old instances still serve, so the unfinished replacements go. Terminate before
        # launch: what was replaced stays replaced (the old instances are gone already).
        if not active.terminate_first:
            take_out(backend, backend.autoscaling_groups[name], active.launched)
        active.status, active.status_reason = "Cancelling", "Cancelled due to user request."
        return ActionResult({"InstanceRefreshId": active.id})

    AutoScalingResponse.start_instance_refresh = start_instance_refresh
    AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
    AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh


class Serialised:
    """Runs one request at a time, body included.

    moto's backends are not thread-safe: two requests at once (a deploy beside a destroy, the SDK's
    parallel describes) have been seen to answer HTML 500s. Connections are still accepted in
    parallel, so nothing queues at the socket; only the work is serialised, which keeps runs repeatable.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    seed_deep_learning_amis()
    reuse_aws_managed_policies()
    keep_mixed_instances_policy_on_update()
    decode_launch_template_version_user_data()
    launch_group_instances_from_their_version()
    emulate_instance_refresh()
    emulate_backup_gaps()
    emulate_scale_gaps()
    app = Serialised(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        sys.stdin.read()
    finally:
        server.shutdown()
        thread.join()


if __name__ == "__main__":
    main()
