#!/bin/sh
# Creates the virtual environment the autogenerate benchmark runs Alembic in, if it is missing:
# target/alembic-venv, with benches/alembic/requirements.txt installed. Prints the venv's python.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="${SEAMIGRATE_ALEMBIC_VENV:-$root/target/alembic-venv}"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
    echo "setting up Alembic in $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
    cp "$here/requirements.txt" "$stamp"
fi
echo "$venv/bin/python"
