"""Start and stop a real Home Assistant (``hass``) with this integration."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_CONFIG = ROOT / "config" / "configuration.yaml"
PY_PREFIX = Path(
    os.environ.get(
        "MUNICIPAL_IOT_PY_PREFIX", Path.home() / ".cache" / "municipal_iot" / "python3.14"
    )
)


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_config(config: Path, port: int | None, extra: str = "") -> None:
    """Make ``config`` a Home Assistant configuration directory for this integration.

    A directory other than the repository's ``config/`` gets a copy of its
    ``configuration.yaml`` listening on ``127.0.0.1:port``. Both get the link to
    ``custom_components`` and the files the configuration includes.
    """
    config.mkdir(parents=True, exist_ok=True)
    target = config / "configuration.yaml"
    if target.resolve() != DEV_CONFIG.resolve():
        text = DEV_CONFIG.read_text()
        if port is not None:
            # Taken over into HA's HTTP settings as a trial; see site.keep_http_config.
            text += f"http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
        target.write_text(text + extra)
    link = config / "custom_components"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components", target_is_directory=True)
    for name in ("automations.yaml",):
        if not (config / name).exists():
            (config / name).write_text("[]\n")
    blueprints = config / "blueprints" / "automation" / "municipal_iot"
    blueprints.mkdir(parents=True, exist_ok=True)
    for blueprint in (ROOT / "blueprints" / "automation" / "municipal_iot").glob("*.yaml"):
        shutil.copyfile(blueprint, blueprints / blueprint.name)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # HA installs some component requirements at run time; C extensions among them
    # must find the headers of the unpacked Python (see scripts/setup).
    include = PY_PREFIX / "usr" / "include" / "python3.14"
    if include.is_dir():
        env["CPATH"] = os.pathsep.join(filter(None, [str(include), env.get("CPATH")]))
        lib = PY_PREFIX / "usr" / "lib" / "x86_64-linux-gnu"
        env["LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(lib), env.get("LIBRARY_PATH")]))
    return env


class Hass:
    """One ``hass`` subprocess."""

    def __init__(self, config: Path, log: Path) -> None:
        """Run ``hass --config config`` with its output in ``log``."""
        self.config = config
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start Home Assistant."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "hass"), "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_environment(),
                start_new_session=True,  # Ctrl-C in the terminal reaches us, not hass
            )

    def running(self) -> bool:
        """Return True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 60.0) -> int | None:
        """Stop Home Assistant cleanly (SIGTERM), killing it after ``timeout``."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
