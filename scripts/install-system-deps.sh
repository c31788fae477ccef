#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (Chromium for the browser tests, Node.js
# for the JS unit tests and the type check).
# As root it installs what is missing; otherwise it says what to install and the browser
# tests skip with that reason.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: missing Debian packages: ${missing[*]} (run as root to install; browser tests skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
