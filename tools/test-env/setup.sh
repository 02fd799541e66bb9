#!/usr/bin/env bash
# Test environment set-up for holoclip's test suite (run by `npm test`'s pretest and by .ci/run).
#
# Idempotent: every section checks first and only acts when something is missing, so a second run takes well under
# a second. Prints what it does. Root is assumed for the apt sections (as in CI); without root a missing package is
# reported with the command to run instead.
#
# Sections (add new ones as a function + one line in main):
#   apt_base     Debian packages the tests need on the host (python3-numpy: one test reads holoclip's .npy with numpy;
#                libturbojpeg0: the TurboJPEG decoding tests)
#   dpkg_ready   finishes an interrupted dpkg run (`dpkg --configure -a`) so that apt-get can install anything
#   slurm        Debian's Slurm 22.05 and munge for the Slurm end-to-end test (tools/test-env/slurm.sh)
#   chromium     Debian's chromium and fonts-liberation for the report's browser test (tools/test-env/chromium.sh)
#   llama_chroot a Debian sid chroot with llama.cpp's llama-server (multimodal, --mmproj) for the LMM end-to-end tests,
#                under ${HOLOCLIP_TEST_ENV:-$HOME/.cache/holoclip-test-env}/sid (outside the repo)
#
# Environment:
#   HOLOCLIP_TEST_ENV           where the test environment lives (default ~/.cache/holoclip-test-env)
#   HOLOCLIP_TEST_ENV_SKIP=1    do nothing (a machine that has no apt/root and does not run the LMM tests)
#   HOLOCLIP_DEBIAN_MIRROR      Debian mirror for the sid chroot (default http://deb.debian.org/debian)
set -euo pipefail

ENV_DIR="${HOLOCLIP_TEST_ENV:-$HOME/.cache/holoclip-test-env}"
CHROOT="$ENV_DIR/sid"
MIRROR="${HOLOCLIP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# llama.cpp-tools: llama-server (multimodal); -extra: the mtmd tools; python3-gguf: convert_hf_to_gguf.py's library.
LLAMA_PACKAGES=(llama.cpp-tools llama.cpp-tools-extra python3-gguf)

say() { printf '[test-env] %s\n' "$*"; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_install_host() {
  # apt_install_host PKG...: installs the missing ones (root) or fails naming the command (not root).
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then
    say "missing Debian packages: ${missing[*]}; run as root: apt-get install --no-install-recommends ${missing[*]}"
    return 1
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------------------------------------------------------
# Section apt_base: host packages for the tests.
apt_base() {
  if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    say "apt_base: python3-numpy present"
  else
    apt_install_host python3-numpy
  fi
  # libjpeg-turbo's TurboJPEG library: holoclip's Pillow-identical JPEG decoding uses it when present (src/image/turbojpeg.ts).
  if dpkg-query -W -f='${Status}' libturbojpeg0 2>/dev/null | grep -q 'install ok installed'; then
    say "apt_base: libturbojpeg0 present"
  else
    apt_install_host libturbojpeg0
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# Section llama_chroot: Debian sid chroot with llama-server.
# Debian 12 has no llama.cpp; sid's llama.cpp-tools does. The chroot is made with debootstrap (minbase, ~3 min) and
# the packages installed inside it (~2.5 min). Tests run "$CHROOT/usr/bin/llama-server" through `chroot`.
llama_chroot_ready() {
  [ -x "$CHROOT/usr/bin/llama-server" ] && [ -f "$CHROOT/.holoclip-ready" ]
}

debootstrap_bin() {
  # The host's debootstrap if installed; else Debian's debootstrap package unpacked under $ENV_DIR (apt-get download +
  # dpkg-deb -x: it is a shell script, and this leaves the host's package database alone).
  if command -v debootstrap >/dev/null 2>&1; then command -v debootstrap; return 0; fi
  local dir="$ENV_DIR/debootstrap"
  if [ ! -x "$dir/usr/sbin/debootstrap" ]; then
    say "llama_chroot: no debootstrap on the host; unpacking Debian's debootstrap package into $dir" >&2
    rm -rf "$dir" "$ENV_DIR/debootstrap-deb" && mkdir -p "$ENV_DIR/debootstrap-deb"
    (cd "$ENV_DIR/debootstrap-deb" && apt-get -o APT::Sandbox::User=root download -qq debootstrap >/dev/null) || {
      apt-get update -qq >/dev/null && (cd "$ENV_DIR/debootstrap-deb" && apt-get -o APT::Sandbox::User=root download -qq debootstrap >/dev/null); }
    dpkg-deb -x "$ENV_DIR"/debootstrap-deb/debootstrap_*.deb "$dir"
    rm -rf "$ENV_DIR/debootstrap-deb"
  fi
  # debootstrap finds its scripts through DEBOOTSTRAP_DIR.
  printf '%s\n' "$dir/debootstrap-run"
  cat >"$dir/debootstrap-run" <<RUN
#!/bin/sh
DEBOOTSTRAP_DIR="$dir/usr/share/debootstrap" exec "$dir/usr/sbin/debootstrap" "\$@"
RUN
  chmod +x "$dir/debootstrap-run"
}

llama_chroot() {
  if llama_chroot_ready; then
    say "llama_chroot: ready at $CHROOT ($(cat "$CHROOT/.holoclip-ready"))"
    return 0
  fi
  if ! is_root; then
    say "llama_chroot: missing; building it needs root (debootstrap + chroot): sudo $0"
    return 1
  fi
  mkdir -p "$ENV_DIR"
  if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
    local debootstrap
    debootstrap="$(debootstrap_bin)"
    say "llama_chroot: debootstrap --variant=minbase sid $CHROOT (a few minutes)"
    rm -rf "$CHROOT.partial"
    # The host's debian-archive-keyring (bookworm's carries the 2025 archive keys) verifies sid's Release file.
    "$debootstrap" --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      sid "$CHROOT.partial" "$MIRROR" >"$ENV_DIR/debootstrap.log" 2>&1 || {
      say "debootstrap failed; last lines of $ENV_DIR/debootstrap.log:"; tail -20 "$ENV_DIR/debootstrap.log"; return 1; }
    mv "$CHROOT.partial" "$CHROOT"
  fi
  say "llama_chroot: apt-get install ${LLAMA_PACKAGES[*]} inside the chroot (a few minutes)"
  cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
  # sid's Release file can look expired against a machine clock that lags: do not check Valid-Until.
  chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get -o Acquire::Check-Valid-Until=false update -qq >"$ENV_DIR/apt.log" 2>&1 &&
  chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends "${LLAMA_PACKAGES[@]}" \
    >>"$ENV_DIR/apt.log" 2>&1 || {
      say "apt-get inside the chroot failed; last lines of $ENV_DIR/apt.log:"; tail -20 "$ENV_DIR/apt.log"; return 1; }
  chroot "$CHROOT" apt-get clean >/dev/null 2>&1 || true
  local version
  version="$(chroot "$CHROOT" dpkg-query -W -f='${Version}' llama.cpp-tools)"
  printf 'llama.cpp-tools %s\n' "$version" >"$CHROOT/.holoclip-ready"
  say "llama_chroot: ready at $CHROOT (llama.cpp-tools $version)"
}

# ---------------------------------------------------------------------------------------------------------------
# Section dpkg_ready: some machine images ship with a dpkg run left half-done ("dpkg was interrupted, you must
# manually run 'dpkg --configure -a'"), which makes every apt-get install fail. Finish it (root only).
dpkg_ready() {
  if [ -z "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ]; then return 0; fi
  if ! is_root; then say "dpkg_ready: an interrupted dpkg run must be finished first: run as root: dpkg --configure -a"; return 1; fi
  say "dpkg_ready: finishing an interrupted dpkg run (dpkg --configure -a)"
  DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null
}

# ---------------------------------------------------------------------------------------------------------------
# Section slurm: Slurm and munge on the host (the test starts its own one-node cluster; nothing is started here).
slurm() {
  bash "$(dirname "${BASH_SOURCE[0]}")/slurm.sh" | sed 's/^/[test-env] /'
}

# ---------------------------------------------------------------------------------------------------------------
# Section chromium: a headless browser for test/report-browser.test.ts (driven by playwright-core).
chromium() {
  bash "$(dirname "${BASH_SOURCE[0]}")/chromium.sh" | sed 's/^/[test-env] /'
}

main() {
  if [ "${HOLOCLIP_TEST_ENV_SKIP:-}" = 1 ]; then say "HOLOCLIP_TEST_ENV_SKIP=1: nothing done"; return 0; fi
  dpkg_ready
  apt_base
  slurm
  chromium
  llama_chroot
}

main "$@"
