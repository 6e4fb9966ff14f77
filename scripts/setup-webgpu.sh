#!/usr/bin/env bash
# Set up a software WebGPU stack for @dl/backend-webgpu on a GPU-less Debian 12 machine.
#
# Dawn (npm `webgpu`) runs on Mesa's lavapipe software Vulkan driver, but Debian 12's
# own Mesa (22.3) is rejected by Dawn. This script installs the Vulkan loader from
# Debian, then downloads (without installing, no system upgrade) lavapipe from
# bookworm-backports (Mesa 25) plus any shared library it needs that the system lacks,
# unpacks them under <repo>/.vk/ (gitignored) and writes an ICD json naming the
# unpacked libvulkan_lvp.so by absolute path.
#
# Idempotent; run as root. Prints the VK_ICD_FILENAMES value on its last line (the
# tests find <repo>/.vk/icd.json themselves when the variable is unset).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VK="$REPO/.vk"
ROOT="$VK/root"
ICD="$VK/icd.json"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[setup-webgpu] $*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

log "apt-get update"
$SUDO apt-get update -qq >&2
log "installing libvulkan1 mesa-vulkan-drivers (Debian)"
$SUDO apt-get install -y -qq --no-install-recommends libvulkan1 mesa-vulkan-drivers >&2

# Private apt configuration that only knows bookworm-backports (system state untouched).
APTDIR="$VK/apt"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$VK/debs" "$ROOT"
echo "deb http://deb.debian.org/debian bookworm-backports main" >"$APTDIR/sources.list"
APTOPTS=(
  -o "Dir::Etc::sourcelist=$APTDIR/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$APTDIR/lists"
  -o "Dir::Cache::Archives=$APTDIR/archives"
  -o "APT::Get::List-Cleanup=0"
)
log "apt-get update (bookworm-backports, private lists)"
apt-get "${APTOPTS[@]}" update -qq >&2

# Version of a package in the backports lists (the candidate of the private config).
bpo_version() {
  apt-cache "${APTOPTS[@]}" show "$1" 2>/dev/null | awk '/^Version:/ { print $2 }' | grep bpo | sort -V | tail -n1
}

fetch() { # fetch <pkg> [version]: download the .deb into $VK/debs and unpack it into $ROOT
  local pkg="$1" ver="${2:-}"
  local spec="$pkg"
  [ -n "$ver" ] && spec="$pkg=$ver"
  if ls "$VK/debs/${pkg}_"*.deb >/dev/null 2>&1; then
    log "have $pkg"
  else
    log "downloading $spec"
    (cd "$VK/debs" && apt-get "${APTOPTS[@]}" download "$spec" >&2)
  fi
  for deb in "$VK/debs/${pkg}_"*.deb; do dpkg -x "$deb" "$ROOT"; done
}

MESA_VER="$(bpo_version mesa-vulkan-drivers)"
if [ -z "$MESA_VER" ]; then
  log "mesa-vulkan-drivers not found in bookworm-backports"; exit 1
fi
fetch mesa-vulkan-drivers "$MESA_VER"

LVP="$(find "$ROOT" -name libvulkan_lvp.so | head -n1)"
if [ -z "$LVP" ]; then log "libvulkan_lvp.so missing from the unpacked .deb"; exit 1; fi
LIBDIR="$ROOT/usr/lib/x86_64-linux-gnu"
[ -d "$LIBDIR" ] || LIBDIR="$(dirname "$LVP")"

# Resolve missing shared libraries: download the backports (or Debian) package providing
# each, unpack it too, until ldd is satisfied (bounded number of rounds).
for round in 1 2 3 4 5; do
  MISSING="$(LD_LIBRARY_PATH="$LIBDIR" ldd "$LVP" | awk '/not found/ { print $1 }' | sort -u)"
  [ -z "$MISSING" ] && break
  for lib in $MISSING; do
    # Guess the package name from the soname: libLLVM.so.19.1 -> libllvm19, libfoo.so.2 -> libfoo2.
    base="${lib%%.so*}"; sover="${lib#*.so.}"; sover="${sover%%.*}"
    cand="$(echo "${base}${sover}" | tr 'A-Z_' 'a-z-')"
    ver="$(bpo_version "$cand")"
    if [ -n "$ver" ]; then
      fetch "$cand" "$ver"
    elif apt-cache show "$cand" >/dev/null 2>&1; then
      log "installing $cand from Debian"
      $SUDO apt-get install -y -qq --no-install-recommends "$cand" >&2
    else
      log "cannot find a package for $lib (tried $cand)"; exit 1
    fi
  done
done
if LD_LIBRARY_PATH="$LIBDIR" ldd "$LVP" | grep -q "not found"; then
  log "unresolved libraries:"; LD_LIBRARY_PATH="$LIBDIR" ldd "$LVP" | grep "not found" >&2; exit 1
fi

# Libraries that lavapipe needs and that the system lacks live in $LIBDIR; record it
# so the test runner can set LD_LIBRARY_PATH for its child processes.
echo "$LIBDIR" >"$VK/ld_library_path"
cat >"$ICD" <<EOF
{
  "file_format_version": "1.0.0",
  "ICD": {
    "library_path": "$LVP",
    "api_version": "1.3.0"
  }
}
EOF
log "ICD written to $ICD (library $LVP)"
echo "$ICD"
