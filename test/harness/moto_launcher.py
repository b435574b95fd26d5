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
