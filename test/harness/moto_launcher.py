"""Starts moto in server mode on 127.0.0.1 and a free port; prints the port; stops when stdin closes.

Tying the server's life to our stdin means it never outlives the test run or sandbox that started it.
"""
import json
import sys
from pathlib import Path

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

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


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    seed_deep_learning_amis()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _, bound_port = server.get_host_and_port()
    print(json.dumps({"port": bound_port}), flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
