"""Command line: ``codesign <command> ...`` (also ``python -m codesign``).

Every expected failure (bad spec, bad checkpoint, unknown name, bad data) ends with one
line on stderr, ``codesign: error: <file>: <field>: <problem>``, and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], str]] = {}


def _command(name: str, help_text: str):
    def decorator(configure):
        COMMANDS[name] = (help_text, configure, configure.__module__)
        return configure

    return decorator


@_command("ls", "list registered backbones, adapter families, devices or shipped graphs")
def _configure_ls(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=["backbones", "adapters", "devices", "graphs"])
    p.set_defaults(run=lambda args: __import__("codesign.commands.listing", fromlist=["run"]).run(args))


@_command("inspect", "build a graph spec's model and report per-domain parameters and bytes")
def _configure_inspect(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", help="graphs/X.yaml (or a shipped name such as cnv_attention)")
    p.add_argument("--domains", default="domain_a:10",
                   help="comma-separated NAME:CLASSES to add (default: domain_a:10)")
    p.add_argument("--json", metavar="OUT", help="also write the report as JSON")
    p.add_argument("--qonnx", metavar="OUT", help="export the first domain to QONNX at OUT")
    p.set_defaults(run=lambda args: __import__("codesign.commands.inspect", fromlist=["run"]).run(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codesign",
        description="FPGA co-design of multi-domain quantised CNNs: a frozen backbone as static "
                    "hardware plus small reconfigurable per-domain modules.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (help_text, configure, _) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _expected_errors() -> tuple[type[BaseException], ...]:
    from codesign.adapters.base import SiteError
    from codesign.models.domain_io import DomainCheckpointError
    from codesign.models.multidomain import DomainError
    from codesign.models.weights import WeightsError
    from codesign.registry import UnknownNameError
    from codesign.specs.loader import SpecError

    errors: list[type[BaseException]] = [SpecError, WeightsError, DomainCheckpointError, DomainError,
                                         UnknownNameError, SiteError, FileNotFoundError]
    try:
        from codesign.data import DataError

        errors.append(DataError)
    except ImportError:  # pragma: no cover - data package optional during bootstrap
        pass
    try:
        from codesign.cost.errors import EstimateError

        errors.append(EstimateError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except _expected_errors() as err:
        message = str(err).splitlines()[0] if str(err) else err.__class__.__name__
        print(f"codesign: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("codesign: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
