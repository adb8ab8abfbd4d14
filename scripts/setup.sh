#!/usr/bin/env bash
# Set up tinyprune on this machine: the system packages it drives (Arm GCC + newlib, QEMU, GDB,
# a host C compiler) when missing, then the npm dependencies and the compiled CLI.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

# --- Node -------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  say "Node.js >= 20 is required and was not found. Install it from your distribution or nodejs.org." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  say "Node.js >= 20 is required; this is $(node --version)." >&2
  exit 1
fi

# --- system packages --------------------------------------------------------------------
missing=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing+=(gcc-arm-none-eabi)
# newlib: the C library the firmware links against (nano specs).
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1 || [ ! -e "$(arm-none-eabi-gcc -print-file-name=libc_nano.a)" ]; then
  missing+=(libnewlib-arm-none-eabi)
fi
command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v gdb-multiarch >/dev/null 2>&1 || missing+=(gdb-multiarch)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
# socat: pseudo-terminal pairs for the serial fault tests (test/device/faults.test.ts).
command -v socat >/dev/null 2>&1 || missing+=(socat)
# chromium: renders report.html headless (test/report/html.test.ts, npm run docs:screenshot).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# cmake, g++, unzip: build the CMake export, compile the Arduino export's sketch, check its zip (test/export).
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v c++ >/dev/null 2>&1 || missing+=(g++)

if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        say "need root to install: ${missing[*]} (run as root, or install sudo)" >&2; exit 1
      fi
    fi
    say "installing ${missing[*]} (apt-get)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    cat >&2 <<MSG
setup: these tools are missing: ${missing[*]}
setup: this is not a Debian/Ubuntu system, so install them yourself:
  Fedora:  sudo dnf install arm-none-eabi-gcc-cs arm-none-eabi-newlib qemu-system-arm gdb gcc make
  Arch:    sudo pacman -S arm-none-eabi-gcc arm-none-eabi-newlib qemu-system-arm gdb gcc make
  macOS:   brew install --cask gcc-arm-embedded && brew install qemu arm-none-eabi-gdb
then run this script again.
MSG
    exit 1
  fi
fi

# --- npm dependencies and the compiled CLI ----------------------------------------------
# Re-install only when the lockfile changed since the last install.
stamp=node_modules/.tinyprune-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
npm run --silent build
say "ready ($(node --version), $(arm-none-eabi-gcc -dumpversion 2>/dev/null | sed 's/^/arm-none-eabi-gcc /'), $(qemu-system-arm --version | head -n1))"
