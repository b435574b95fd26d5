"""Starts moto in server mode on 127.0.0.1 and a free port; prints the port; stops when stdin closes.

Tying the server's life to our stdin means it never outlives the test run or sandbox that started it.
"""
import json
import sys

from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
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
