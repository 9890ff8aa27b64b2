#!/usr/bin/env bash
# Prints the interpreter the project's virtualenv is built from: the Lambda runtime's Python 3.13
# from pyenv where present, else the newest python3.X >= 3.11 on PATH. Exits 1 if there is none.
set -euo pipefail
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(ls -1 "$root/versions" 2>/dev/null | grep -E '^3\.13\.[0-9]+$' | sort -t. -k3 -n -r); do
    if [ -x "$root/versions/$v/bin/python3" ]; then echo "$root/versions/$v/bin/python3"; exit 0; fi
  done
fi
for minor in 14 13 12 11; do
  if command -v "python3.$minor" >/dev/null 2>&1 && "python3.$minor" -c 'import venv' >/dev/null 2>&1; then
    command -v "python3.$minor"; exit 0
  fi
done
if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  command -v python3; exit 0
fi
echo "newsingest needs Python >= 3.11 (3.13 preferred, the Lambda runtime)" >&2
exit 1
