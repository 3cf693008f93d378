"""Project macros: one place that pins compiler flags, the test main and proto codegen."""

SPILLWAY_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
]

def spillway_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = SPILLWAY_COPTS + copts, **kwargs)

def spillway_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = SPILLWAY_COPTS + copts, **kwargs)

def spillway_cc_test(name, copts = [], deps = [], size = "small", **kwargs):
    """A GoogleTest test linked with the project's test main (glog set up, gtest/gmock)."""
    native.cc_test(
        name = name,
        size = size,
        copts = SPILLWAY_COPTS + copts,
        deps = deps + ["//common/testing:test_main"],
        **kwargs
    )

def spillway_proto_library(name, srcs, deps = [], grpc = False, visibility = None):
    """Generates C++ (and optionally gRPC) code for `srcs` with Debian's protoc.

    Produces a cc_library `name` exposing `<file>.pb.h` (and `<file>.grpc.pb.h`
    when grpc = True). `deps` are other spillway_proto_library targets whose
    .proto files the sources import.
    """
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    tools = ["@system//:bin/protoc"]
    plugin = ""
    if grpc:
        tools.append("@system//:bin/grpc_cpp_plugin")
        plugin = ("--grpc_out=$(GENDIR) " +
                  "--plugin=protoc-gen-grpc=$(location @system//:bin/grpc_cpp_plugin) ")
    native.genrule(
        name = name + "_codegen",
        srcs = srcs + [d + "_srcs" for d in deps],
        outs = outs,
        tools = tools,
        cmd = ("$(location @system//:bin/protoc) -I. --cpp_out=$(GENDIR) " + plugin +
               " ".join(["$(location %s)" % s for s in srcs])),
    )
    native.filegroup(name = name + "_srcs", srcs = srcs, visibility = visibility)
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc"] if grpc else []),
        visibility = visibility,
    )
