"""nginx in front of several `streamlit run` replicas, on 127.0.0.1 and a free
port, with the configuration compose uses (deploy/nginx/streamlit.conf,
included unchanged), for the browser tests and the load benchmark.

nginx runs in the foreground in its own process group, with everything it
writes (pid, temporary files, error and access logs) in ``log_dir``. Its
access log has one JSON line per request, naming the replica that served it,
so a test can tell which replica held which browser:

    with Balancer([a.base_url, b.base_url], ARTIFACTS / "nginx") as balancer:
        page.goto(balancer.base_url)
        ...
        balancer.served()   # [Served(path="/_stcore/stream", upstream="http://127.0.0.1:...", ...)]
"""

import dataclasses
import json
import os
import pathlib
import urllib.parse

from .server import Service, free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
NGINX = os.environ.get("LRE_NGINX", "/usr/sbin/nginx")  # Debian's package
SITE_CONF = ROOT / "deploy" / "nginx" / "streamlit.conf"
# The same as each replica's line in deploy/nginx/lre/upstreams.conf (a test checks it).
SERVER_PARAMS = "max_fails=1 fail_timeout=10s"
ROUTE_COOKIE = "lre_replica"  # the sticky-session cookie streamlit.conf sets
START_TIMEOUT_S = 20


class BalancerError(RuntimeError):
    """nginx is missing, exited, or never answered; the message quotes its error log."""


@dataclasses.dataclass(frozen=True)
class Served:
    """One line of the access log: a request and the replica that answered it."""

    time: float  # seconds since the epoch, when the request ended
    method: str
    path: str  # with its query string
    status: int  # 101 for a websocket (logged when it closed)
    upstreams: tuple[str, ...]  # every replica tried, in order, as base URLs
    route: str  # the sticky-session route (the cookie's value)
    seconds: float  # how long it took (a websocket: how long it was open)

    @property
    def started(self) -> float:
        """Seconds since the epoch, when the request began."""
        return self.time - self.seconds

    @property
    def upstream(self) -> str | None:
        """The replica that answered (the last one tried), as a base URL, or None."""
        return self.upstreams[-1] if self.upstreams else None

    @property
    def websocket(self) -> bool:
        return self.path.startswith("/_stcore/stream")


def _address(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
        raise ValueError(f"upstream_urls must be http://host:port, got {url!r}")
    return f"{parsed.hostname}:{parsed.port}"


def _parse(line: str) -> Served | None:
    try:
        fields = json.loads(line)
    except json.JSONDecodeError:
        return None  # a line being written
    method, _, rest = fields["request"].partition(" ")
    path = rest.rsplit(" ", 1)[0]
    # "127.0.0.1:1, 127.0.0.1:2" after a retry; "a : b" across internal redirects
    tried = [a.strip() for a in fields["upstream"].replace(" : ", ", ").split(",")]
    upstreams = tuple(f"http://{a}" for a in tried if a and a != "-")
    return Served(float(fields["msec"]), method, path, int(fields["status"]), upstreams, fields["route"],
                  float(fields["request_time"]))


class Balancer(Service):
    """A running nginx: ``base_url``, ``served()``, ``log_tail()``, ``stop()``."""

    name, error, start_timeout_s, poll_s = "nginx", BalancerError, START_TIMEOUT_S, 0.1

    def __init__(self, upstream_urls: list[str], log_dir: pathlib.Path):
        if not upstream_urls:
            raise ValueError("upstream_urls must name at least one replica")
        if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
            raise BalancerError(f"no nginx at {NGINX} (apt-get install nginx, or set LRE_NGINX)")
        self.upstream_urls = list(upstream_urls)
        self.log_dir = pathlib.Path(log_dir).resolve()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.access_log = self.log_dir / "access.log"
        self.error_log = self.log_dir / "error.log"
        self.access_log.write_text("")  # this run's requests only
        self.error_log.write_text("")
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        config = self._write_config(port)
        self._start([NGINX, "-p", str(self.log_dir), "-e", str(self.error_log), "-c", str(config)],
                    self.log_dir / "nginx.out")

    def _write_config(self, port: int) -> pathlib.Path:
        """nginx.conf and the two files streamlit.conf includes, in log_dir."""
        d = self.log_dir
        site = d / "lre"
        site.mkdir(exist_ok=True)
        servers = "".join(f"server {_address(url)} {SERVER_PARAMS};\n" for url in self.upstream_urls)
        (site / "upstreams.conf").write_text(servers)
        (site / "server.conf").write_text(
            f"listen 127.0.0.1:{port};\naccess_log {d / 'access.log'} lre_upstream;\n"
        )
        temp = {name: d / "temp" / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(parents=True, exist_ok=True)
        # As root, nginx's workers would drop to `nobody`, who cannot write an
        # upload's temporary file into log_dir: keep them as the user running the test.
        user = "user root;\n" if os.geteuid() == 0 else ""
        config = d / "nginx.conf"
        config.write_text(
            f"daemon off;\n"
            f"{user}"
            f"worker_processes 1;\n"
            f"pid {d / 'nginx.pid'};\n"
            f"error_log {self.error_log} notice;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n"
            + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
            + f"    include {SITE_CONF};\n"
            f"}}\n"
        )
        return config

    def served(self) -> list[Served]:
        """Every request nginx has finished so far, oldest first."""
        try:
            lines = self.access_log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [entry for entry in map(_parse, lines) if entry is not None]

    def log_tail(self, lines: int = 40) -> str:
        """The end of nginx's error log (and of its output, if any)."""
        texts = []
        for path in (self.error_log, self.log_dir / "nginx.out"):
            try:
                texts.extend(path.read_text(errors="replace").splitlines())
            except OSError:
                pass
        return "\n".join(texts[-lines:]) or "(nginx wrote nothing)"
