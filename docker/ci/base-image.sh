#!/usr/bin/env bash
# A base image for docker/Dockerfile made here, for machines that reach no image registry (CI):
# debootstrap a minimal Debian bookworm with python3 + venv from the Debian mirror apt already uses, tar
# it and `docker import` it. Cached twice: the image itself (a second run does nothing) and the tarball
# under $SES_EMULATOR_CI_CACHE (default /var/cache/ses-emulator-ci; a new engine re-imports it in seconds).
# The machine's own extra CA certificates are added to the image's trust store (see below).
# Usage: docker/ci/base-image.sh [TAG]   (default ses-emulator-base:bookworm); prints the base to build
# FROM: python:3.12-slim (the Dockerfile's default) where a registry serves it, else TAG, made here.
set -euo pipefail
tag="${1:-ses-emulator-base:bookworm}"
upstream="python:3.12-slim"

if docker image inspect "$upstream" >/dev/null 2>&1 || timeout 120 docker pull -q "$upstream" >/dev/null 2>&1; then
  echo "$upstream"
  exit 0
fi
cache="${SES_EMULATOR_CI_CACHE:-/var/cache/ses-emulator-ci}"
tarball="$cache/debian-bookworm-python3.tar"
packages="python3,python3-venv,ca-certificates"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || {
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
  }
  # the mirror apt uses (deb822 .sources or a one-line sources.list), else Debian's own
  mirror="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null \
            | grep -v security | head -n1 || true)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
  mkdir -p "$cache"
  root="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  start=$SECONDS
  if ! debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -n 30 "$cache/debootstrap.log" >&2
    exit 1
  fi
  # trust what this machine trusts: a TLS-inspecting egress proxy's CA (installed under
  # /usr/local/share/ca-certificates here) must be trusted inside the build too, or pip cannot reach PyPI
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >>"$cache/debootstrap.log" 2>&1
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  echo "base image: debootstrap from $mirror + tar: $((SECONDS - start)) s" >&2
fi
start=$SECONDS
docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' "$tarball" "$tag" >/dev/null
echo "base image: docker import $tag: $((SECONDS - start)) s" >&2
echo "$tag"
