#!/usr/bin/env bash
# Install what the benchmarks drive from outside Python (wrk for HTTP load), when the machine lacks it
# and can install Debian packages; otherwise say so, and the HTTP benchmarks skip with a message.
set -uo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } \
    || echo "# could not install ${need[*]}: the HTTP benchmarks will skip"
else
  echo "# ${need[*]} missing and apt-get unavailable (or not root): the HTTP benchmarks will skip"
fi
exit 0
