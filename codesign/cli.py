"""Command line: ``codesign <command> ...`` (also ``python -m codesign``).

This module only defines the arguments, calls the command and maps failures to exit
statuses (README, "Exit status"): 0 done; 2 bad usage or input (``InputError``);
3 the design was rejected by the hardware flow (``DesignRejected``: unmappable layer,
does not fit, unreachable target, failed verification, infeasible budget); 1 an
internal failure; 130 interrupted. Every expected failure is one line on stderr,
``codesign: error: <file/option>: <problem>``. Parsing, ``--help``, ``--version`` and
``codesign ls`` import neither torch, brevitas nor FINN.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from codesign import errors
from codesign.commands import arguments as A
from codesign.commands.accelerator import add_accelerator_argument
from codesign.commands.finn_formats import add_build_arguments, add_estimate_arguments as finn_format_arguments
from codesign.commands.imported import add_arguments as imported_arguments
from codesign.commands.explore import add_arguments as explore_arguments
from codesign.commands.input_size import HELP as INPUT_SIZE_HELP, OPTION as INPUT_SIZE_OPTION

CACHE_HELP = ("cache root holding designs/, points/ and domains/ (default: $CODESIGN_CACHE_DIR, "
              "else .cache in the current folder)")
DEBUG_ENV = "CODESIGN_DEBUG"  # set to 1 to see the traceback of an internal failure


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage text is one --help away)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(errors.EXIT_INPUT, f"codesign: error: {errors.one_line(message)} (see {self.prog} --help)\n")


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], str]] = {}


def _command(name: str, help_text: str):
    def decorator(configure):
        COMMANDS[name] = (help_text, configure, configure.__module__)
        return configure

    return decorator


def _runs(command: str) -> Callable[[argparse.Namespace], int]:
    """The command's ``run(args)``, imported only when that command is used (fast --help)."""
    return lambda args: __import__(f"codesign.commands.{command}", fromlist=["run"]).run(args)


@_command("ls", "list registered backbones, adapter families, devices or shipped graphs")
def _configure_ls(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=["backbones", "adapters", "devices", "graphs"])
    p.set_defaults(run=_runs("listing"))


@_command("inspect", "build a graph spec's model and report per-domain parameters and bytes")
def _configure_inspect(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", help="graphs/X.yaml (or a shipped name such as cnv_attention)")
    p.add_argument("--domains", default="domain_a:10",
                   help="comma-separated NAME:CLASSES to add (default: domain_a:10)")
    p.add_argument("--json", metavar="OUT", help="also write the report as JSON")
    p.add_argument("--qonnx", metavar="OUT", help="export the first domain to QONNX at OUT")
    p.set_defaults(run=_runs("inspect"))


@_command("data", "list image domains (installed? sizes, install command) or prepare their splits")
def _configure_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "prepare"])
    p.add_argument("names", nargs="*", help="domains for prepare: names or NAME=folder|file.npz "
                                            "(comma or space separated; default: DEFAULT_DOMAINS)")
    p.add_argument("--cache-dir", help=CACHE_HELP)
    p.add_argument("--size", type=A.IMAGE_SIDE, default=32, help="image side in pixels (default: 32)")
    p.add_argument("--seed", type=A.SEED, default=0, help="seed of the train/validation split; the test split "
                                                            "is fixed per domain (default: 0)")
    p.add_argument("--max-per-class", type=A.COUNT, help="cap on each class's train + validation images; the "
                                                          "test split is fixed per domain and never capped")
    p.set_defaults(run=_runs("data"))


@_command("train", "train each domain's modules on the frozen backbone; write results JSON")
def _configure_train(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", help="graphs/X.yaml (or a shipped name such as cnv_attention)")
    p.add_argument("--domains", required=True, help="comma-separated domains (NAME or NAME=folder|file.npz)")
    p.add_argument("--seeds", type=A.SEEDS, default=1, help="number of seeds, from --seed (default: 1)")
    p.add_argument("--seed", type=A.SEED, default=0, help="first seed (default: 0)")
    p.add_argument("--epochs", type=A.EPOCHS, default=30, help="maximum epochs (default: 30)")
    p.add_argument("--patience", type=A.EPOCHS, default=5, help="early-stopping patience, epochs (default: 5)")
    p.add_argument("--batch-size", type=A.BATCH, default=64, help="training images per step (default: 64)")
    p.add_argument("--lr", type=A.STEP_SIZE, default=5e-3, help="step size (default: 5e-3)")
    p.add_argument("--optimizer", default="adam", help="adam or sgd (default: adam)")
    p.add_argument("--k-shot", help="samples-needed curve: labelled images per class, e.g. 5,10,25,50,100,all")
    p.add_argument("--noise", help="label-noise study: fractions of flipped training labels, e.g. 0,0.1,0.2,0.4")
    p.add_argument("--max-per-class", type=A.COUNT, help="cap on each class's train + validation images (quick "
                                                          "runs); the test split is fixed per domain, never capped")
    p.add_argument("--out", help="output directory (default: reports/train/<graph name>)")
    p.add_argument("--cache-dir", help=CACHE_HELP)
    p.add_argument("--resume", action="store_true", help="skip finished runs, continue interrupted ones")
    p.add_argument("--baseline", metavar="DIR", help="a finetune study's --out, for the Decathlon score")
    p.add_argument("--backbone-weights", metavar="PATH",
                   help="override the spec's backbone weights: a .safetensors file, 'random' (uniform "
                        "[-1, 1] as pre-training starts) or 'none' (PyTorch's default init)")
    p.add_argument("--no-feature-cache", action="store_true", help="run the frozen part of the network live "
                   "(default: cached once where the family allows it: head, side, attention, series, ...)")
    add_accelerator_argument(p)
    p.set_defaults(run=_runs("train"))


@_command("pretrain", "pre-train the backbone on a source domain; save its weights (safetensors + JSON)")
def _configure_pretrain(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", help="graph spec whose backbone is trained, e.g. graphs/_cnv_base.yaml")
    p.add_argument("--source", default="glyphs_source", help="source domain (default: glyphs_source)")
    p.add_argument("--epochs", type=A.EPOCHS, default=3, help="passes over the source train split (default: 3)")
    p.add_argument("--seed", type=A.SEED, default=0, help="init and batch-order seed (default: 0)")
    p.add_argument("--batch-size", type=A.BATCH, default=64, help="images per step (default: 64)")
    p.add_argument("--lr", type=A.STEP_SIZE, default=0.02, help="Adam step size, cosine-decayed (default: 0.02)")
    p.add_argument("--max-batches", type=A.COUNT, help="cap on steps per epoch (timing runs)")
    p.add_argument("--split-seed", type=A.SEED, default=0, help="seed of the source's splits (default: 0)")
    p.add_argument("--threads", type=A.THREADS, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--cache-dir", help=CACHE_HELP)
    p.add_argument("--out", required=True, help="backbone checkpoint to write (.safetensors; a .json beside it)")
    p.set_defaults(run=_runs("pretrain"))


@_command("estimate", "estimate LUT/FF/BRAM/DSP, FPS, latency, energy and interconnects before synthesis")
def _configure_estimate(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", help="graphs/X.yaml (or a shipped name such as cnv_attention), or a QONNX "
                                 "model.onnx with --reconfigurable")
    p.add_argument("--device", required=True, help="hw_specs/Y.yaml (or a shipped name such as pynq-z1)")
    p.add_argument("--target-fps", type=A.FPS, help="frames/s to fold for (default: fastest that fits)")
    p.add_argument("--checkpoint", help="a trained domain checkpoint (.json) to estimate with its weights")
    p.add_argument("--classes", type=A.CLASSES, help="classes of the (random) domain (default 10)")
    imported_arguments(p)
    finn_format_arguments(p)
    p.add_argument(INPUT_SIZE_OPTION, type=A.IMAGE_SIDE, metavar="PX", help=INPUT_SIZE_HELP)
    p.add_argument("--json", metavar="OUT", help="write the full estimate as JSON")
    p.add_argument("--graphml", metavar="OUT", help="write the HW graph as GraphML")
    p.add_argument("--dot", metavar="OUT", help="write the HW graph as Graphviz DOT")
    p.add_argument("--cache-dir", help=CACHE_HELP)
    p.add_argument("--no-cache", action="store_true", help="convert again even if cached")
    p.add_argument("--calibration", metavar="FILE", help="calibration of the resource estimates (codesign "
                   "calibrate --out; default: the device spec's calibration, else the shipped one)")
    p.set_defaults(run=_runs("estimate"))


@_command("build", "FINN build for a set of domains: one shared design + per-domain weight images, verified")
def _configure_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", help="graphs/X.yaml (or a shipped name such as cnv_attention)")
    p.add_argument("--device", required=True, help="hw_specs/Y.yaml (or a shipped name such as pynq-z1)")
    p.add_argument("--domains", required=True, help="comma-separated domains; the first defines the shared graph")
    p.add_argument("--checkpoints", required=True, help="directory of <domain>.json + <domain>.safetensors")
    p.add_argument("--out", required=True, help="build folder to write, e.g. builds/NAME")
    p.add_argument("--target-fps", type=A.FPS, help="frames/s to fold for (default: fastest that fits)")
    p.add_argument("--force", action="store_true", help="rebuild even if --out holds a build of the same inputs")
    p.add_argument("--images", type=A.COUNT, default=64, help="verification images per domain (default: 64)")
    p.add_argument("--seed", type=A.SEED, default=0, help="seed of random verification images (default: 0)")
    p.add_argument("--exact", action="store_true",
                   help="require identical integer outputs on every image (default: same top-1 class)")
    p.add_argument("--data-cache", help="prepared domain splits for real verification images (default: <cache root>/domains)")
    p.add_argument("--cache-dir", help=CACHE_HELP)
    p.add_argument("--no-cache", action="store_true", help="convert every domain again")
    add_build_arguments(p)
    p.set_defaults(run=_runs("build"))

@_command("compare", "compare architectures on the same domains and device: accuracy, wires, resources, "
                    "energy; budget verdict, Pareto fronts, report")
def _configure_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("graphs", nargs="+", help="graphs/A.yaml graphs/B.yaml ... (or shipped names)")
    p.add_argument("--device", required=True, help="hw_specs/Y.yaml (or a shipped name such as pynq-z1)")
    p.add_argument("--domains", required=True, help="comma-separated domains (NAME or NAME=folder|file.npz)")
    p.add_argument("--budget", help="limits, e.g. interconnect_bits=64,lut=40000,bram=120,energy_uj=900 "
                                    "(also ff, dsp, streams, latency_ms, fps as a minimum; lut=80%% of the device)")
    p.add_argument("--seeds", type=A.SEEDS, default=1, help="number of seeds, from --seed (default: 1)")
    p.add_argument("--seed", type=A.SEED, default=0, help="first seed (default: 0)")
    p.add_argument("--k-shot", help="sample-efficiency sweep: images per class, e.g. 5,10,25 (default: none)")
    p.add_argument("--noise", help="label-noise sweep: fractions of flipped training labels, e.g. 0.2,0.4")
    p.add_argument("--epochs", type=A.EPOCHS, default=30, help="maximum epochs per run (default: 30)")
    p.add_argument("--patience", type=A.EPOCHS, default=5, help="early-stopping patience, epochs (default: 5)")
    p.add_argument("--lr", default="0.005", help="Adam step size, or several (0.005,0.02): each architecture "
                                                 "then uses the one with the best validation accuracy (default: 0.005)")
    p.add_argument("--batch-size", type=A.BATCH, default=64, help="training images per step (default: 64)")
    p.add_argument("--max-per-class", type=A.COUNT, help="cap on each class's train + validation images (bounds "
                                                          "CPU time); the test split is fixed per domain, never capped")
    p.add_argument("--target-fps", type=A.FPS, help="fold every architecture for this throughput, with the fewest "
                   "resources that reach it (default: the highest FPS every architecture reaches within the "
                   "budget's resource limits)")
    p.add_argument("--rank-by", default="accuracy", help="what 'best under the budget' means: accuracy (mean over "
                                                         "domains, default) or decathlon (score vs finetune)")
    p.add_argument("--energy", default="throughput", choices=("throughput", "single-image"),
                   help="energy figure of the energy_uj budget and the energy Pareto front: per inference at the "
                        "design's throughput (board power / FPS, default) or single-image (one image alone)")
    p.add_argument("--plots", default="png", choices=("png", "svg"),
                   help="image format of the report's figures (plots/*.png or *.svg; default: png)")
    p.add_argument("--out", required=True, help="report folder, e.g. reports/NAME")
    p.add_argument("--cache-dir", help=CACHE_HELP)
    p.add_argument("--executor", default="local", help="local (processes here, default) or dask")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://head:8786 (--executor dask; "
                                       "without it a LocalCluster of --workers processes is started)")
    p.add_argument("--workers", type=A.WORKERS, default=2, help="parallel points (default: 2)")
    add_accelerator_argument(p, bn_grid=True)
    p.add_argument("--calibration", metavar="FILE", help="calibration of the resource estimates (codesign "
                   "calibrate --out; default: the device spec's calibration, else the shipped one)")
    p.set_defaults(run=_runs("compare"))


@_command("explore", "Pareto front of resources against FPS over many foldings (SetFolding ladder + moves)")
def _configure_explore(p: argparse.ArgumentParser) -> None:
    explore_arguments(p)
    p.set_defaults(run=_runs("explore"))


@_command("calibrate", "refit the resource-estimate corrections on your own FINN builds; write a calibration file")
def _configure_calibrate(p: argparse.ArgumentParser) -> None:
    p.add_argument("builds", nargs="+", metavar="BUILD_DIR",
                   help="FINN output folders with report/estimate_layer_resources.json and "
                        "report/post_synth_resources.json or report/ooc_synth_and_timing.json")
    p.add_argument("--out", required=True, metavar="FILE", help="calibration file to write (JSON), for a "
                   "device spec's calibration: field or --calibration")
    p.add_argument("--part", type=A.FPGA_PART, help="FPGA part the builds target (e.g. xc7z020clg400-1): "
                   "their shell becomes that family's (FINN's reports do not name the part)")
    p.add_argument("--with-shipped", action="store_true", help="fit on the shipped public builds too "
                   "(data/calibration/)")
    p.add_argument("--json", metavar="FILE", help="also write the fit's errors per resource and op type as JSON")
    p.set_defaults(run=_runs("calibrate"))


def _version() -> str:
    from codesign.store import package_version, tool_versions

    tools = ", ".join(f"{p} {v}" for p, v in tool_versions().items())
    return f"codesign {package_version('codesign')} ({tools})"


class _PrintVersion(argparse.Action):
    """``--version`` on one line (argparse's own action wraps it to the terminal width)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit(errors.EXIT_OK)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="codesign",
        description="FPGA co-design of multi-domain quantised CNNs: a frozen backbone as static "
                    "hardware plus small reconfigurable per-domain modules.",
        epilog="exit status: 0 done, 2 bad usage or input, 3 design rejected (does not map, fit or "
               "verify; infeasible budget), 1 internal failure, 130 interrupted")
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the versions and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name, (help_text, configure, _) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _report(kind: str, err: BaseException) -> None:
    message = errors.one_line(str(err)) or err.__class__.__name__
    print(f"codesign: {kind}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return int(done.code or 0)
    try:
        return int(args.run(args) or 0)
    except errors.InputError as err:
        _report("error", err)
        return errors.EXIT_INPUT
    except errors.DesignRejected as err:
        _report("rejected", err)
        return errors.EXIT_REJECTED
    except FileNotFoundError as err:  # an input path named by the user
        _report("error", err)
        return errors.EXIT_INPUT
    except KeyboardInterrupt:
        print("codesign: interrupted (finished work is kept; the same command resumes)", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if os.environ.get(DEBUG_ENV):
            raise
        message = errors.one_line(f"{err.__class__.__name__}: {err}", limit=240)
        print(f"codesign: internal error: {message} (a bug or a broken environment; {DEBUG_ENV}=1 shows "
              f"the traceback)", file=sys.stderr)
        return errors.EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
