# Spillway's image: the same binary `./spillway.sh` builds (Bazel, offline, on
# Debian's libraries), on Debian bookworm, running as a non-root user.
#   docker build -t spillway:$(cat VERSION) .
# deploy/spillway.yaml runs it read-only, as UID 65532, with no capabilities.
# Without a registry (no base image to pull), tools/build_image.sh builds the same
# image FROM scratch with buildah; tools/image_test.py keeps the two alike (user,
# entrypoint, command, the files below) and runs it with podman.

# Build: Debian's toolchain and -dev packages (tools/install_deps.sh), then Bazel.
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN apt-get update -qq \
    && tools/install_deps.sh \
    && bazel build //:spillway \
    && install -m 0755 bazel-bin/spillway /spillway

# Run: only the shared libraries the binary links (checked against `ldd` by
# //deploy:dockerfile_test), CA certificates for the API server, no shell use.
FROM debian:bookworm-slim
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
       ca-certificates libabsl20220623 libc-ares2 libgflags2.2 libgoogle-glog0v6 libgrpc++1.51 libgrpc29 \
       libprometheus-cpp-core1.0 libprotobuf32 libre2-9 libsimdjson14 libssl3 libunwind8 libyaml-cpp0.7 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /spillway /usr/local/bin/spillway
COPY deploy/kube-scheduler-config.yaml /usr/share/spillway/kube-scheduler-config.yaml
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/spillway"]
CMD ["serve"]
