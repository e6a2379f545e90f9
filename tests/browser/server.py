"""`streamlit run streamlit_app.py` on 127.0.0.1 and a free port, as a user
starts it, for the browser tests and the load benchmark.

The server runs in its own process group, so stopping it stops everything it
started. Its output goes to a log file, whose end is quoted when it fails.
"""

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


class ServerError(RuntimeError):
    """The server exited or never became healthy; the message quotes its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(base_url: str, timeout: float = 2.0) -> str | None:
    """What ``/_stcore/health`` answers ("ok" when the server is up), or None."""
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=timeout) as response:
            return response.read().decode().strip()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class Service:
    """A process started in its own process group (stopping it stops
    everything it started) that answers ``/_stcore/health`` at ``base_url``
    once ready: a streamlit server here, nginx in ``balancer.py``. A subclass
    sets ``name``, ``error`` and ``start_timeout_s`` and has ``log_tail()``."""

    name, error, start_timeout_s, poll_s = "the service", RuntimeError, START_TIMEOUT_S, 0.2

    def _start(self, command: list[str], out_path: pathlib.Path, **popen) -> None:
        """Run ``command`` with its output in ``out_path`` until it is healthy."""
        with open(out_path, "wb") as out:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True, **popen)
        self.pid = self.process.pid
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while health(self.base_url) != "ok":
            if self.process.poll() is not None:
                raise self.error(f"{self.name} exited with code {self.process.returncode} before it was healthy; "
                                 f"the end of its log:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise self.error(f"{self.name} did not answer {self.base_url}/_stcore/health with 'ok' within "
                                 f"{self.start_timeout_s} s; the end of its log:\n{self.log_tail()}")
            time.sleep(self.poll_s)  # polling the health check, not waiting on the app

    def log_tail(self, lines: int = 40) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        """Terminate the process and everything it started (its own process group)."""
        process = self.process
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class Server(Service):
    """A running ``streamlit run``: ``base_url``, ``pid``, its memory, and ``stop()``."""

    name, error = "streamlit", ServerError

    def __init__(self, log_path: pathlib.Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 script: str = "streamlit_app.py"):
        """``args`` are added to the command line; ``env`` to the environment
        (for options Streamlit refuses on the command line, e.g.
        ``STREAMLIT_SERVER_COOKIE_SECRET``); ``script`` is the app's file
        (another one for a benchmark's baseline page)."""
        self.log_path = pathlib.Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "streamlit", "run", script,
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            *args,
        ]  # fmt: skip
        self._start(command, self.log_path, cwd=ROOT, env={**os.environ, **(env or {})})

    def healthy(self) -> bool:
        return self.process.poll() is None and health(self.base_url) == "ok"

    def memory_mib(self) -> tuple[float, float]:
        """(resident now, peak resident since start) of the server process, in MiB (Linux)."""
        fields = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024  # kB
        return fields["VmRSS"], fields["VmHWM"]

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used so far (Linux)."""
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"
