#!/usr/bin/env bash
# Builds Spillway's OCI image offline: FROM scratch with Debian's buildah, no base image pulled.
#
#   tools/build_image.sh            # spillway:$(cat VERSION) in the local containers storage,
#                                   # and dist/spillway-$(cat VERSION).oci.tar (an OCI archive)
#
# The image holds exactly what the binary needs and nothing else:
#   /usr/local/bin/spillway                       the binary Bazel builds (//:spillway)
#   every shared library `ldd` names, at the path ldd resolves it to, and the loader (ELF interpreter)
#   /etc/ssl/certs/ca-certificates.crt            CA certificates, to verify an API server's TLS
#   /etc/passwd, /etc/group                       one entry each for 65532 (spillway), which it runs as
#   /usr/share/spillway/kube-scheduler-config.yaml
# User, entrypoint and command match the Dockerfile's (kept for users with a registry);
# tools/image_test.sh checks the two agree, then runs the image with podman.
#
# Environment: SPILLWAY_BINARY (default bazel-bin/spillway, built if missing), IMAGE_DIST (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(tr -d '[:space:]' < VERSION)
image="spillway:${version}"
binary=${SPILLWAY_BINARY:-bazel-bin/spillway}
dist=${IMAGE_DIST:-dist}

for tool in buildah podman ldd; do
  command -v "$tool" > /dev/null || { echo "build_image: $tool is missing (Debian: apt-get install buildah podman)" >&2; exit 1; }
done
if [ ! -x "$binary" ]; then bazel build //:spillway; fi

ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" > /dev/null 2>&1 || true' EXIT
root=$(buildah mount "$ctr")

# Copies a host file into the image at the same path, following symlinks (the image has no links to follow).
place() {
  install -D -m "$2" "$(readlink -f "$1")" "${root}$1"
}

install -D -m 0755 "$binary" "${root}/usr/local/bin/spillway"
# ldd prints "name => /path (addr)" for libraries and "/lib64/ld-linux... (addr)" for the loader.
libraries=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
[ -n "$libraries" ] || { echo "build_image: ldd named no libraries for $binary" >&2; exit 1; }
# The loader is exec'd by the kernel, so it must be executable; the libraries are only mapped.
for library in $libraries; do
  case "$library" in */ld-linux*) place "$library" 0755 ;; *) place "$library" 0644 ;; esac
done
place /etc/ssl/certs/ca-certificates.crt 0644
install -D -m 0644 deploy/kube-scheduler-config.yaml "${root}/usr/share/spillway/kube-scheduler-config.yaml"
install -d -m 0755 "${root}/etc"
echo "spillway:x:65532:65532:spillway:/nonexistent:/usr/sbin/nologin" > "${root}/etc/passwd"
echo "spillway:x:65532:" > "${root}/etc/group"
chmod 0644 "${root}/etc/passwd" "${root}/etc/group"
buildah umount "$ctr" > /dev/null

buildah config \
  --user 65532:65532 \
  --entrypoint '["/usr/local/bin/spillway"]' \
  --cmd '["serve"]' \
  --label "org.opencontainers.image.title=spillway" \
  --label "org.opencontainers.image.version=${version}" \
  --label "org.opencontainers.image.licenses=Apache-2.0" \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$image" > /dev/null
trap - EXIT

mkdir -p "$dist"
archive="${dist}/spillway-${version}.oci.tar"
rm -f "$archive"
podman save --quiet --format oci-archive -o "$archive" "$image"
echo "image: ${image} ($(podman image inspect --format '{{.Size}}' "$image") bytes), archive: ${archive}"
