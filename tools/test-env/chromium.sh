#!/usr/bin/env bash
# Installs what the report's browser test (test/report-browser.test.ts) needs: Debian's `chromium` package,
# driven headless by the playwright-core devDependency (which downloads no browser of its own).
# Idempotent: does nothing when /usr/bin/chromium (or the path in HOLOCLIP_CHROMIUM) runs.
# Needs root (or sudo) and apt-get (Debian/Ubuntu).
set -euo pipefail

bin="${HOLOCLIP_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "chromium.sh: $bin is installed ($("$bin" --version 2>/dev/null | head -n 1)); nothing to do"
  exit 0
fi
if [ -n "${HOLOCLIP_CHROMIUM:-}" ]; then
  echo "chromium.sh: HOLOCLIP_CHROMIUM=$bin does not run; unset it to install Debian's chromium at /usr/bin/chromium" >&2
  exit 1
fi

echo "chromium.sh: $bin missing: installing Debian's chromium package with apt-get"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium.sh: apt-get not found: install Chromium with your system's package manager and set HOLOCLIP_CHROMIUM to its binary" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "chromium.sh: not root and no sudo: run this script as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "chromium.sh: apt-get update"
$SUDO apt-get update -q
# --no-install-recommends: no chromium-sandbox, no desktop integration; fonts-liberation gives the headless
# browser Arial/Helvetica-metric fonts so that text (and so table widths) is measured as on a desktop.
echo "chromium.sh: apt-get install --no-install-recommends chromium fonts-liberation"
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation
echo "chromium.sh: installed: $("$bin" --version 2>/dev/null | head -n 1)"
