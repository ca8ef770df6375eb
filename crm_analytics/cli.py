"""The ``crm-analytics`` command: validate, fit, score and report, built for scheduled jobs.

::

    crm-analytics validate --config scoring.toml
    crm-analytics fit      --config scoring.toml --model-dir models/
    crm-analytics score    --config scoring.toml --model-dir models/ --output-dir scores/
    crm-analytics report   --output-dir scores/
    crm-analytics batch    --transactions logs/ --output-dir clv/ --engine duckdb
    crm-analytics demo     --output out/

Every key of the TOML configuration (see :mod:`crm_analytics.scoring.config`) is also an
option: ``--as-of 2011-12-09``, ``--horizon-days 90``, ``--transactions orders.csv``,
``--transactions-customer-id CustomerID``, ``--models rfm,clv``, ``--risk-tiers
high=0.1,medium=0.3``; options given on the command line win over the file. Paths in the
file are relative to the file's folder.

Exit codes: 0 done; 2 bad input (unreadable or inconsistent data or configuration, or an
optional dependency that the input or engine needs is missing: a one-paragraph message on
stderr, no traceback); 1 unexpected error (the traceback is logged).
``score`` also writes the customer-knowledge files ``[output] extras`` asks for (cohorts,
loyalty metrics, association rules, recommendations) and, with ``[customers] dedupe_on``,
the audit of the duplicate customer records it merged before fitting and scoring.
``batch`` is the CLV job for logs too large for memory: it summarises a Parquet dataset (a
file, a folder or a glob of canonical ``customer_id, date, amount`` lines) inside ``--engine``
(DuckDB within ``--memory-limit``, Polars or Spark), fits BG/NBD and Gamma-Gamma on the
distinct histories and writes every customer's summary, P(alive), expected purchases and
CLV to ``scores.parquet`` (rows in no particular order; a folder of files with Spark).
Outputs are written all together or not at all, and ``score`` gives byte-identical files for
the same inputs and configuration (except the timings in ``run_metadata.json``). Logs go to
stderr; on a terminal, a progress line shows the current step instead of the INFO log lines.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import matplotlib

from crm_analytics._engines import ENGINES, parquet_files
from crm_analytics._version import library_versions
from crm_analytics.datasets import make_transactions
from crm_analytics.exceptions import ConvergenceError, DataValidationError
from crm_analytics.runs import (
    RUN_METADATA,
    STEP,
    Inputs,
    check_writable,
    file_sha256,
    files_sha256,
    load_inputs,
    load_models,
    read_scores,
    save_models,
    write_files,
    write_report,
    write_scores,
)
from crm_analytics.scale import BATCH_STEPS, score_batch
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring import ScoringConfig, fit_models, knowledge_tables, score
from crm_analytics.scoring.config import load_config, read_config_file, section_fields
from crm_analytics.scoring.models import resolve_as_of
from crm_analytics.scoring.score import customer_attributes

__all__ = ["main"]

logger = logging.getLogger("crm_analytics.cli")

PROG = "crm-analytics"
EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2
# Sections whose keys are options without a prefix (--as-of, --formats).
_UNPREFIXED = ("model", "output")
# Sections each command reads its options from.
_COMMAND_SECTIONS = {
    "validate": ("transactions", "customers", "model"),
    "fit": ("transactions", "customers", "model"),
    "score": ("transactions", "customers", "model", "output"),
}
# The [model] keys that the CLV batch job uses.
# The [model] keys that the batch job uses.
_BATCH_MODEL_KEYS = (
    "as_of",
    "models",
    "horizon_days",
    "clv_months",
    "discount_rate",
    "margin",
    "transaction_model",
    "penalizer_coef",
)
_METAVARS = {"path": "PATH", "as_of": "DATE"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 unexpected error, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = _start_logging(verbose=args.verbose, quiet=args.quiet)
    try:
        args.run(args)
    except (DataValidationError, ConvergenceError, OSError, ImportError) as error:
        paragraph = " ".join(str(error).split())
        logger.debug("bad input", exc_info=True)
        print(f"{PROG} {args.command}: error: {paragraph}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception:
        logger.exception("%s %s failed with an unexpected error", PROG, args.command)
        return EXIT_ERROR
    finally:
        _stop_logging(handlers)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Score customers (RFM segments, value tiers, lifecycle, clusters, CLV, "
        "churn risk) from a transaction export, for scheduled jobs and analysts.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = _command(
        commands, "validate", _validate, "load and check the inputs; print the data-quality report"
    )
    fit = _command(commands, "fit", _fit, "fit the models as of a date and save them")
    fit.add_argument("--model-dir", type=Path, required=True, help="folder to save the models into")
    score = _command(
        commands, "score", _score, "score customers; write the table, metadata and quality report"
    )
    score.add_argument("--output-dir", type=Path, required=True, help="folder for the outputs")
    score.add_argument(
        "--model-dir", type=Path, help="load the models saved here (default: fit them now)"
    )
    for name, subparser in (("validate", validate), ("fit", fit), ("score", score)):
        subparser.add_argument("--config", type=Path, help="TOML configuration file")
        _add_config_options(subparser, _COMMAND_SECTIONS[name])

    report = _command(commands, "report", _report, "write figures and segment tables of a run")
    report.add_argument(
        "--output-dir", type=Path, required=True, help="folder of the scoring run to report on"
    )
    report.add_argument(
        "--report-dir", type=Path, help="folder for the report (default: OUTPUT_DIR/report)"
    )
    report.add_argument(
        "--report-by",
        type=_text_list,
        metavar="A,B",
        help="customer attributes to slice the segments by (default: the run's report_by)",
    )

    batch = _command(
        commands,
        "batch",
        _batch,
        "CLV of every customer of a large Parquet log, summarised inside an engine",
    )
    batch.add_argument("--output-dir", type=Path, required=True, help="folder for the outputs")
    batch.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="engine that summarises the log (default: duckdb, out of core)",
    )
    batch.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit, such as 2GB (default: 80%% of RAM)",
    )
    batch.add_argument("--config", type=Path, help="TOML configuration file")
    _add_config_options(batch, ("transactions",))
    _add_config_options(batch, ("model",), keys=_BATCH_MODEL_KEYS)

    demo = _command(
        commands, "demo", _demo, "run validate, fit, score and report on generated data"
    )
    demo.add_argument("--output", type=Path, default=Path("out"), help="folder for everything")
    demo.add_argument("--customers", type=int, default=3_000, help="customers to simulate")
    demo.add_argument("--seed", type=int, default=0, help="seed of the simulation")
    _add_config_options(demo, ("model", "output"))
    return parser


def _command(
    commands: argparse._SubParsersAction, name: str, run: Any, help: str
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
    parser.set_defaults(run=run)
    return parser


def _add_config_options(
    parser: argparse.ArgumentParser, sections: Sequence[str], keys: Sequence[str] | None = None
) -> None:
    """One option per configuration key (of ``keys`` when given), defaulting to "not given" so
    the file's value holds."""
    for section in sections:
        group = parser.add_argument_group(f"[{section}] options (override the config file)")
        defaults = ScoringConfig().to_dict()[section]
        for item in section_fields(section):
            if keys is not None and item.name not in keys:
                continue
            flag = _flag(section, item.name)
            default = defaults.get(item.name)
            shown = "none" if default is None else _shown(default)
            options: dict[str, Any] = {
                "dest": f"{section}.{item.name}",
                "default": argparse.SUPPRESS,
                "help": item.metadata["help"]
                if "default" in item.metadata["help"]
                else f"{item.metadata['help']} (default: {shown})",
            }
            options.update(_parsing(item.type))
            if item.name in _METAVARS:
                options["metavar"] = _METAVARS[item.name]
            group.add_argument(flag, **options)


def _flag(section: str, key: str) -> str:
    if section in _UNPREFIXED:
        return "--" + key.replace("_", "-")
    if key == "path":
        return f"--{section}"
    return f"--{section}-{key.replace('_', '-')}"


def _parsing(annotation: Any) -> dict[str, Any]:
    """argparse settings for a config field's type."""
    arguments = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is list:
        return {"type": _text_list if arguments[0] is str else _number_list, "metavar": "A,B"}
    if origin is dict:
        return {"type": _number_mapping, "metavar": "NAME=X,..."}
    base = arguments[0] if arguments else annotation
    if base is bool:
        return {"action": argparse.BooleanOptionalAction}
    return {"type": base, "metavar": base.__name__.upper() if base is not str else "NAME"}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return ",".join(f"{key}={item}" for key, item in value.items())
    return str(value)


def _text_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _number_list(text: str) -> list[float]:
    try:
        return [float(item) for item in _text_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from None


def _number_mapping(text: str) -> dict[str, float]:
    mapping = {}
    for item in _text_list(text):
        name, _, number = item.partition("=")
        try:
            mapping[name.strip()] = float(number)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected NAME=NUMBER pairs separated by commas (high=0.1,medium=0.3), got {text!r}"
            ) from None
    return mapping


def build_config(
    args: argparse.Namespace, *, defaults: dict[str, dict[str, Any]] | None = None
) -> ScoringConfig:
    """The configuration of a command: its ``defaults``, the file's keys (paths made absolute),
    then the options."""
    data: dict[str, dict[str, Any]] = {
        section: dict(values) for section, values in (defaults or {}).items()
    }
    if args.config is not None:
        for section, values in read_config_file(args.config).items():
            data.setdefault(section, {}).update(values)
        folder = args.config.resolve().parent
        for section in ("transactions", "customers"):
            if data.get(section, {}).get("path") is not None:
                data[section]["path"] = str((folder / data[section]["path"]).resolve())
    _apply_options(data, args)
    source = "configuration" if args.config is None else f"configuration ({args.config} + options)"
    return ScoringConfig.from_dict(data, source=source)


def _apply_options(data: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    """Put the configuration options given on the command line into ``data``."""
    for key, value in vars(args).items():
        if "." not in key:
            continue
        section, name = key.split(".")
        if name == "path":
            value = str(Path(value).resolve())
        data.setdefault(section, {})[name] = value


def _validate(args: argparse.Namespace) -> None:
    config = build_config(args)
    inputs = load_inputs(config)
    for report in inputs.reports.values():
        print(report)
        print()
    if inputs.dedupe_audit is not None:
        audit = inputs.dedupe_audit
        print(
            f"duplicate customers: {int((~audit['survivor']).sum()):,} records merged into "
            f"{int(audit['survivor'].sum()):,} customers"
        )
    if inputs.customers is not None:
        buyers = inputs.transactions.buyers(until=inputs.transactions.end_day)
        customer_attributes(inputs.customers, buyers)
    print(f"inputs are valid for {PROG} fit/score")


def _fit(args: argparse.Namespace) -> None:
    config = build_config(args)
    check_writable(args.model_dir, option="--model-dir")
    inputs = load_inputs(config)
    config = _with_as_of(config, inputs)
    logger.info(STEP + "fitting models as of %s", config.model.as_of)
    models = fit_models(inputs.transactions, inputs.customers, config=config)
    logger.info(STEP + "saving models")
    save_models(models, args.model_dir, config=config, inputs=inputs.describe())
    print(f"models fitted as of {config.model.as_of} saved to {args.model_dir}")


def _score(args: argparse.Namespace) -> None:
    config = build_config(args)
    check_writable(args.output_dir, option="--output-dir")
    timings = {}
    start = time.perf_counter()
    # Saved models are loaded first: a wrong folder fails before the inputs are read.
    models = None if args.model_dir is None else load_models(args.model_dir)
    if models is not None:
        timings["load models"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    inputs = load_inputs(config)
    timings["read inputs"] = round(time.perf_counter() - start, 3)
    config = _with_as_of(config, inputs)
    result = score(inputs.transactions, inputs.customers, config=config, models=models)
    start = time.perf_counter()
    knowledge = knowledge_tables(inputs.transactions, config=config)
    if knowledge:
        timings["knowledge"] = round(time.perf_counter() - start, 3)
    logger.info(STEP + "writing outputs")
    files = write_scores(
        args.output_dir,
        result,
        config=config,
        reports=inputs.reports,
        inputs=inputs.describe(),
        model_source="fitted by this run" if models is None else str(args.model_dir),
        knowledge=knowledge,
        dedupe_audit=inputs.dedupe_audit,
        timings=timings,
    )
    print(f"scored {len(result.scores):,} customers as of {config.model.as_of}:")
    for path in files:
        print(f"  {path}")


def _report(args: argparse.Namespace) -> None:
    scored = read_scores(args.output_dir)
    by = args.report_by
    if by is None:
        saved = args.output_dir / "config.toml"
        by = load_config(saved).output.report_by if saved.is_file() else []
    matplotlib.use("Agg")
    report_dir = args.report_dir or args.output_dir / "report"
    check_writable(report_dir, option="--report-dir")
    logger.info(STEP + "writing the report")
    files = write_report(report_dir, scored, by=by)
    print(f"report of {len(scored):,} customers written to {report_dir}:")
    for path in files:
        print(f"  {path}")


def _batch(args: argparse.Namespace) -> None:
    config = build_config(args, defaults={"model": {"models": list(BATCH_STEPS)}})
    source, model = config.transactions.path, config.model
    if source is None:
        raise DataValidationError(
            "no transaction log given: pass --transactions PATH (a Parquet file, folder or glob) "
            "or set path in the [transactions] table of the --config file"
        )
    check_writable(args.output_dir, option="--output-dir")
    start = time.perf_counter()
    done: dict[str, Any] = {}

    def write_table(path: Path) -> None:
        logger.info(
            STEP + "reading, summarising, fitting and scoring %s with %s", source, args.engine
        )
        done["result"] = score_batch(
            source,
            path,
            config=config,
            engine=args.engine,
            memory_limit=args.memory_limit,
        )
        done["scores"] = path

    def write_report_json(path: Path) -> None:
        report = done["result"].report
        path.write_text(
            json.dumps({"transactions": report.to_dict()}, indent=2, sort_keys=True, default=str)
            + "\n",
            encoding="utf-8",
        )

    def write_report_text(path: Path) -> None:
        path.write_text(str(done["result"].report) + "\n", encoding="utf-8")

    def write_metadata(path: Path) -> None:
        result = done["result"]
        metadata = {
            "as_of": str(result.as_of.date()),
            "customers": result.customers,
            "inputs": {
                "transactions": {
                    "path": source,
                    **files_sha256(parquet_files(source)),
                    "rows_read": result.report.rows_read,
                    "rows_kept": result.report.rows_kept,
                }
            },
            "engine": args.engine,
            "memory_limit": args.memory_limit,
            "settings": {
                key: getattr(model, key)
                for key in ("models", "horizon_days", "clv_months", "discount_rate", "margin")
            },
            "models": {
                "as_of": str(result.models.as_of.date()),
                "training_period": list(result.models.training_period or ()),
                "params": result.models.params(),
                "skipped": dict(result.models.skipped),
                "versions": library_versions(),
            },
            "outputs": {"scores.parquet": file_sha256(done["scores"])},
            "timings": {"whole job": round(time.perf_counter() - start, 3)},
        }
        path.write_text(json.dumps(metadata, indent=2, default=str) + "\n", encoding="utf-8")

    files = write_files(
        args.output_dir,
        {
            "scores.parquet": write_table,
            "quality_report.json": write_report_json,
            "quality_report.txt": write_report_text,
            RUN_METADATA: write_metadata,
        },
    )
    print(f"scores of every customer of {source} written:")
    for path in files:
        print(f"  {path}")


def _demo(args: argparse.Namespace) -> None:
    output = args.output
    logger.info(STEP + "simulating %s customers", f"{args.customers:,}")
    transactions, customers = make_transactions(args.customers, seed=args.seed)
    customers = customers[[CUSTOMER_ID, "signup_date", "region", "channel"]]
    data = output / "data"
    write_files(
        data,
        {
            "transactions.csv": lambda path: transactions.to_csv(path, index=False),
            "customers.csv": lambda path: customers.to_csv(path, index=False),
        },
    )
    settings: dict[str, dict[str, Any]] = {
        "transactions": {
            "path": "data/transactions.csv",
            "order_id": "order_id",
            "product": "product",
        },
        "customers": {
            "path": "data/customers.csv",
            "signup_date": "signup_date",
            "attributes": ["region", "channel"],
        },
        "output": {"report_by": ["region", "channel"]},
    }
    _apply_options(settings, args)
    config = ScoringConfig.from_dict(settings, source="demo configuration")
    write_files(
        output, {"config.toml": lambda path: path.write_text(config.to_toml(), encoding="utf-8")}
    )
    config_path = output / "config.toml"
    steps = [
        ["validate", "--config", str(config_path)],
        ["fit", "--config", str(config_path), "--model-dir", str(output / "models")],
        [
            "score",
            "--config",
            str(config_path),
            "--model-dir",
            str(output / "models"),
            "--output-dir",
            str(output / "scores"),
        ],
        ["report", "--output-dir", str(output / "scores")],
    ]
    parser = build_parser()
    for step in steps:
        print(f"$ {PROG} {' '.join(step)}")
        parsed = parser.parse_args(step)
        parsed.run(parsed)
    print(
        f"\ndemo done: inputs and config in {data} and {config_path}, models in "
        f"{output / 'models'}, scores in {output / 'scores'}, report in "
        f"{output / 'scores' / 'report'}"
    )


def _with_as_of(config: ScoringConfig, inputs: Inputs) -> ScoringConfig:
    """The config with its as-of date filled in (the last transaction day by default)."""
    as_of = resolve_as_of(inputs.transactions, config.model.as_of)
    return config.replace("model", as_of=str(as_of.date()))


class _Progress(logging.Handler):
    """One self-overwriting line on a terminal showing the current step and the time so far."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.INFO)
        self.stream = stream
        self.start = time.monotonic()
        self.shown = False

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(STEP):
            return
        elapsed = time.monotonic() - self.start
        self.stream.write(f"\r\033[K[{elapsed:6.1f}s] {message[len(STEP) :]} ...")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _start_logging(*, verbose: bool, quiet: bool) -> list[tuple[logging.Logger, Any]]:
    """Log to stderr: INFO off a terminal, WARNING plus a progress line on one."""
    stream = sys.stderr
    terminal = stream.isatty()
    level = logging.DEBUG if verbose else logging.WARNING if quiet or terminal else logging.INFO
    log_handler = logging.StreamHandler(stream)
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log_handler.setLevel(level)
    handlers: list[logging.Handler] = [log_handler]
    if terminal and not quiet:
        handlers.append(_Progress(stream))
    logging.captureWarnings(True)
    saved = []
    for name in ("crm_analytics", "py.warnings"):
        target = logging.getLogger(name)
        saved.append((target, target.level, target.propagate))
        target.setLevel(min(level, logging.INFO))
        target.propagate = False
        for handler in handlers:
            target.addHandler(handler)
    return [(target, (old_level, propagate, handlers)) for target, old_level, propagate in saved]


def _stop_logging(saved: list[tuple[logging.Logger, Any]]) -> None:
    for target, (level, propagate, handlers) in saved:
        for handler in handlers:
            target.removeHandler(handler)
            if isinstance(handler, _Progress):
                handler.clear()
        target.setLevel(level)
        target.propagate = propagate
    logging.captureWarnings(False)
