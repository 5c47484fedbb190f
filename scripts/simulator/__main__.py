"""Command line: simulate LoRaWAN devices against a Home Assistant webhook.

Example (the values the connection's last set-up step shows)::

    python3 -m scripts.simulator --url http://homeassistant.local:8123 \\
        --webhook-id 0123abcd... --token 'Bearer s3cr3t...' --server chirpstack \\
        --scenario care --speed 1
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from .bodies import SERVERS
from .scenarios import GROUPS, SCENARIOS, Request, Simulation, expand


def post(url: str, token: str, request: Request, timeout: float = 10.0) -> tuple[int, str]:
    """POST one body; return the HTTP status and the answer text (0 when unreachable)."""
    data = json.dumps(request.body).encode()
    headers = {"Content-Type": "application/json", "Authorization": token}
    req = urllib.request.Request(url + request.query, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")
    except OSError as err:
        return 0, str(getattr(err, "reason", err))


def _parser() -> argparse.ArgumentParser:
    scenarios = "\n".join(f"  {name:8} {text}" for name, text in SCENARIOS.items())
    groups = "\n".join(f"  {name:8} {', '.join(members)}" for name, members in GROUPS.items())
    parser = argparse.ArgumentParser(
        prog="python3 -m scripts.simulator",
        description="Send simulated ChirpStack or The Things Stack uplinks to Home Assistant.",
        epilog=f"scenarios:\n{scenarios}\ngroups:\n{groups}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", required=True, help="Home Assistant URL, e.g. http://ha:8123")
    parser.add_argument("--webhook-id", required=True, help="the connection's webhook id")
    parser.add_argument("--token", required=True, help="the bearer token ('Bearer ...' or bare)")
    parser.add_argument("--server", choices=SERVERS, required=True, help="body format")
    parser.add_argument("--scenario", default="all", help="scenarios or groups, comma separated")
    parser.add_argument("--speed", type=float, default=1.0, help="time acceleration (default 1)")
    parser.add_argument("--state", type=Path, help="file that keeps frame counters across runs")
    parser.add_argument("--once", action="store_true", help="send one uplink per device, stop")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    return parser


def _load_counters(path: Path | None) -> dict[str, int]:
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in data.get("f_cnt", {}).items()}


def _save_counters(path: Path | None, counters: dict[str, int]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"f_cnt": counters}, indent=1))


def run(args: argparse.Namespace) -> int:
    """Send the scenario's uplinks until stopped; return the exit code."""
    try:
        scenarios = expand(args.scenario)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    if args.speed <= 0:
        print("--speed must be above 0", file=sys.stderr)
        return 2
    token = args.token if args.token.startswith("Bearer ") else f"Bearer {args.token}"
    url = f"{args.url.rstrip('/')}/api/webhook/{args.webhook_id}"
    sim = Simulation(args.server, scenarios, args.speed, _load_counters(args.state))
    sim.start(datetime.now(UTC))
    stop_at = time.monotonic() + args.duration if args.duration else None
    print(f"simulating {', '.join(scenarios)} as {args.server} at {args.speed:g}x -> {url}")
    sys.stdout.flush()
    try:
        while (due_at := sim.next_due()) is not None:
            wait = (due_at - datetime.now(UTC)).total_seconds()
            if stop_at is not None and time.monotonic() + max(wait, 0) > stop_at:
                break
            if wait > 0:
                time.sleep(wait)
            for request in sim.due(datetime.now(UTC)):
                status, text = post(url, token, request)
                stamp = datetime.now().astimezone().strftime("%H:%M:%S")
                print(f"{stamp} {request.device.name:16} {request.what:34} -> {status} {text}")
                if status == 401:
                    print("the token is wrong: copy it from the connection's set-up step")
                    return 1
            sys.stdout.flush()
            _save_counters(args.state, sim.counters)
            if args.once and sim.every_device_reported:
                break
    finally:
        _save_counters(args.state, sim.counters)
    return 0


def main() -> None:
    """Entry point."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sys.exit(run(_parser().parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
