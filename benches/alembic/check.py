"""Alembic's side of `cargo bench --bench autogenerate`.

Builds SQLAlchemy metadata from the schema the Rust benchmark wrote as JSON (seamigrate's schema
model, serialised), then times what `alembic check` does on the live database:
`alembic.autogenerate.compare_metadata(MigrationContext.configure(conn), metadata)`, `--runs`
times in process, and, with `--cli`, the `alembic check` command once, end to end (a fresh
Python process with an env.py of its own). Prints one JSON object on stdout, times in ms:

    {"compare_ms": median, "compare_runs_ms": [...], "differences": [...],
     "cli_ms": ms or null, "cli_in_sync": bool or null}
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

ACTIONS = {
    "NoAction": None,
    "Restrict": "RESTRICT",
    "Cascade": "CASCADE",
    "SetNull": "SET NULL",
    "SetDefault": "SET DEFAULT",
}


def sa_type(ty):
    """A seamigrate `ColumnType`, as serde writes it, as a SQLAlchemy type."""
    if isinstance(ty, str):
        simple = {
            "SmallInt": sa.SmallInteger,
            "Integer": sa.Integer,
            "BigInt": sa.BigInteger,
            "Float": sa.Float,
            "Double": sa.Double,
            "Boolean": sa.Boolean,
            "Text": sa.Text,
            "Blob": sa.LargeBinary,
            "Date": sa.Date,
            "Time": sa.Time,
            "DateTime": sa.DateTime,
            "Uuid": sa.Uuid,
            "Json": sa.JSON,
        }
        if ty == "TimestampTz":
            return sa.DateTime(timezone=True)
        return simple[ty]()
    ((kind, args),) = ty.items()
    if kind == "String":
        return sa.String(args["len"])
    if kind == "Char":
        return sa.CHAR(args["len"])
    if kind == "Decimal":
        return sa.Numeric(args["precision"], args["scale"])
    raise ValueError(f"no SQLAlchemy type for {ty}")


def server_default(value):
    if value is None:
        return None
    ((kind, literal),) = value.items()
    if kind == "Bool":
        return sa.true() if literal else sa.false()
    if kind == "Str":
        return literal
    return sa.text(str(literal))


def metadata_from(spec):
    """The tables of seamigrate's schema model `spec` as SQLAlchemy metadata."""
    metadata = sa.MetaData()
    for table in spec["tables"].values():
        items = []
        for c in table["columns"]:
            key = c["name"] in table["primary_key"]
            items.append(
                sa.Column(
                    c["name"],
                    sa_type(c["ty"]),
                    primary_key=key,
                    nullable=c["nullable"],
                    autoincrement=c["auto_increment"] if key else "auto",
                    server_default=server_default(c["default"]),
                )
            )
        for fk in table["foreign_keys"]:
            items.append(
                sa.ForeignKeyConstraint(
                    fk["columns"],
                    [f'{fk["ref_table"]}.{col}' for col in fk["ref_columns"]],
                    name=fk["name"],
                    ondelete=ACTIONS[fk["on_delete"]],
                    onupdate=ACTIONS[fk["on_update"]],
                )
            )
        for ix in table["indexes"]:
            items.append(sa.Index(ix["name"], *ix["columns"], unique=ix["unique"]))
        sa.Table(table["name"], metadata, *items)
    return metadata


def time_compare(url, metadata, runs):
    """`compare_metadata`'s time, each run on a fresh MigrationContext over one connection."""
    engine = sa.create_engine(url)
    times = []
    with engine.connect() as conn:
        for _ in range(runs):
            started = time.perf_counter()
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return times, [repr(d) for d in diffs]


ENV_PY = """
import os, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, os.environ["SEAMIGRATE_BENCH_DIR"])
import json
import sqlalchemy as sa
from alembic import context
from check import metadata_from

with open(os.environ["SEAMIGRATE_BENCH_SPEC"]) as f:
    target_metadata = metadata_from(json.load(f))
engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
"""


def time_cli(url, spec_path, python):
    """One `alembic check` on an empty migration environment, end to end."""
    with tempfile.TemporaryDirectory() as tmp:
        scripts = os.path.join(tmp, "migrations")
        os.makedirs(os.path.join(scripts, "versions"))
        with open(os.path.join(scripts, "env.py"), "w") as f:
            f.write(ENV_PY)
        ini = os.path.join(tmp, "alembic.ini")
        with open(ini, "w") as f:
            f.write(f"[alembic]\nscript_location = {scripts}\nsqlalchemy.url = {url}\n")
        env = dict(
            os.environ,
            SEAMIGRATE_BENCH_DIR=os.path.dirname(os.path.abspath(__file__)),
            SEAMIGRATE_BENCH_SPEC=spec_path,
        )
        command = [python, "-m", "alembic", "-c", ini, "check"]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        elapsed = (time.perf_counter() - started) * 1000
        if done.returncode != 0:
            print(done.stderr.strip()[-2000:], file=sys.stderr)
        return elapsed, done.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the database")
    parser.add_argument("--spec", required=True, help="the schema model, as JSON")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cli", action="store_true", help="also time `alembic check` once")
    args = parser.parse_args()
    # Alembic warns about every type it cannot compare; the figures are what matter here.
    warnings.simplefilter("ignore")
    with open(args.spec) as f:
        metadata = metadata_from(json.load(f))
    times, differences = time_compare(args.url, metadata, max(args.runs, 1))
    cli_ms, cli_in_sync = time_cli(args.url, args.spec, sys.executable) if args.cli else (None, None)
    json.dump(
        {
            "compare_ms": statistics.median(times),
            "compare_runs_ms": times,
            "differences": differences,
            "cli_ms": cli_ms,
            "cli_in_sync": cli_in_sync,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
