#!/usr/bin/env bash
# Installs checkov into its own virtualenv, .tools/checkov, from infra/checkov.lock (every dependency pinned).
# Its own virtualenv because checkov pins boto3 and others at versions that clash with requirements/dev.lock.
# Idempotent: does nothing when the installed set already matches the lock.
#
#   infra/install-checkov.sh            # install (or check) .tools/checkov
#   .tools/checkov/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/checkov
lock=infra/checkov.lock
stamp="$venv/.installed"
if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
  exit 0
fi
py=$(infra/find-python.sh)
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$lock"
cp "$lock" "$stamp"
echo "checkov $("$venv/bin/checkov" --version) installed in $venv"
