#!/bin/bash
# Every command of `eonjena` answers --help with exit 0 and a usage line.
set -eu
bin="$EO_BINARY_DIR/eonjena"
"$bin" --help | grep -q '^usage: eonjena'
"$bin" version | grep -q '^eonjena '
if "$bin" no-such-command 2>/dev/null; then echo "unknown command accepted"; exit 1; fi
for cmd in $("$bin" help | awk '/^commands:/{f=1;next} f && NF {print $1}'); do
  [ "$cmd" = version ] && continue
  out=$("$bin" "$cmd" --help) || { echo "eonjena $cmd --help failed"; exit 1; }
  echo "$out" | grep -qi 'usage' || { echo "eonjena $cmd --help prints no usage"; exit 1; }
done
echo "cli help: ok"
