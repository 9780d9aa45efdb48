"""A candidate server, measured beside the mock's own: the same app, the same settings, on granian (WSGI).

`--app mock` serves `create_app` exactly as `pipecat-mock serve` builds it (state, spec, fixtures, flags);
`--app ceiling` serves bench/ceiling.py's bare WSGI function. Workers are `--workers`, Python threads per
worker are `--threads` (granian's blocking threads). The app is built before granian forks its workers, as
gunicorn's preload does. Runs only when granian is installed (`pip install granian`); bench/run.py skips it else.
Usage: python bench/granian_side.py --app mock|ceiling [--size BYTES] --port PORT [serve flags]
"""

from __future__ import annotations

import argparse
from typing import Any

from ceiling import plain_wsgi_app
from granian.constants import Interfaces
from granian.server.mp import MPServer
from pipecat_cloud_mock.cli.main import add_config_options, config_from_args
from pipecat_cloud_mock.http.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", choices=("mock", "ceiling"), required=True)
    parser.add_argument("--size", type=int, default=0, help="the ceiling's body size in bytes")
    add_config_options(parser)
    args = parser.parse_args()
    config = config_from_args(args)
    app: Any = create_app(config) if args.app == "mock" else plain_wsgi_app(args.size)
    if args.app == "mock" and config.access_log:
        from pipecat_cloud_mock.http import access_log as _access_log

        _access_log.write_to(2)
    server = MPServer(
        "bench:app",  # never imported: target_loader hands over the app built above
        address=config.host,
        port=config.port,
        interface=Interfaces.WSGI,
        workers=config.workers,
        blocking_threads=config.threads,
        log_level="warning",  # type: ignore[arg-type]
    )
    print(f"granian listening on http://{config.host}:{config.port}", flush=True)
    server.serve(target_loader=lambda *_args, **_kwargs: app)


if __name__ == "__main__":
    main()
