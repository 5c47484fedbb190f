"""``scripts/develop``: the demo. Ctrl-C stops everything; a second run reuses the state."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from . import site
from .client import ApiError
from .demo import CONNECTIONS, Demo, minutes_until, say
from .hass import ROOT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config", help="config folder")
    parser.add_argument("--port", type=int, default=8123, help="HTTP port (with --config)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulator time acceleration")
    parser.add_argument(
        "--answer",
        choices=["ack", "ok", "none"],
        default="ack",
        help="what the staff phone presses 90 s after an alarm (default: Jag tar det)",
    )
    return parser


def _banner(demo: Demo, eta: str) -> None:
    state = demo.state
    cs, tts = state.connections["chirpstack"], state.connections["tts"]
    lines = [
        "",
        f"Home Assistant:   {demo.url.replace('127.0.0.1', 'localhost')}",
        f"IT admin:         {state.admin.username} / {state.admin.password}",
        f"Staff (no admin): {state.staff.username} / {state.staff.password}",
        "",
        f"{CONNECTIONS['chirpstack'][0]}: six motion sensors (Elsys ERS, Milesight WS202)",
        f"{CONNECTIONS['tts'][0]}: three water meters (Kamstrup flowIQ 2200, Axioma W1)",
        f"The phone '{site.PHONE_NAME}' (user {state.staff.username}) prints its pushes here.",
        "",
        "What happens:",
        "  now        motion in Lgh 1, 2, 3, 5 and 6; Lgh 5's sensor has a low battery",
        "  now        vm-lgh-3 leaks (water every hour, also at night); meter history in",
        "             Settings > Developer tools > Statistics and the Energy dashboard",
        f"  {eta:10} Lgh 4 alarms (no motion); the phone gets the push"
        + (" and presses 'Jag tar det' 90 s later" if demo.answer == "ack" else ""),
        "  ~7 min     Lgh 6's sensor is silent: technical fault ('gör ett fysiskt besök')",
        "",
        "Logs: " + str(demo.work) + " (Home Assistant, simulators)",
        "Your own simulator run against the same connection:",
        f"  scripts/simulate --url {demo.url} --webhook-id {cs.webhook_id} \\",
        f"    --token '{cs.token}' --server chirpstack --scenario care",
        f"  (meters: --webhook-id {tts.webhook_id} --server tts --scenario water)",
        "Ctrl-C stops everything; the next run reuses this state.",
        "",
    ]
    print("\n".join(lines), flush=True)


async def _run(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    answer = None if args.answer == "none" else args.answer
    try:
        async with Demo(args.config.resolve(), args.port, speed=args.speed, answer=answer) as demo:
            eta = minutes_until(await demo.alarm_eta())
            _banner(demo, eta)
            await stop.wait()
            say("stopping")
    except ApiError as err:
        print(f"scripts/develop: {err}", file=sys.stderr)
        return 1
    say("stopped")
    return 0


def main() -> None:
    """Run the demo until Ctrl-C."""
    sys.exit(asyncio.run(_run(_parser().parse_args())))


if __name__ == "__main__":
    main()
