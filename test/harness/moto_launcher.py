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
