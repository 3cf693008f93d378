"""A repository rule exposing Debian-packaged C/C++ libraries and tools to Bazel.

Every library's compile and link flags come from `pkg-config` when the repository
is fetched, never from hand-copied lists, so the build follows whatever the
installed Debian packages declare. Tools (protoc, grpc_cpp_plugin) are located on
PATH and exported as files so genrules can depend on them hermetically.

Missing packages fail the fetch with a message naming the module and the script
that installs it (tools/install_deps.sh, called by ./spillway.sh).
"""

def _split_flags(rctx, flags):
    includes, defines, copts = [], [], []
    for flag in flags:
        if flag.startswith("-I"):
            includes.append(flag[2:])
        elif flag.startswith("-D"):
            defines.append(flag[2:])
        elif flag:
            copts.append(flag)
    return includes, defines, copts

def _pkg_config(rctx, pkg_config, args):
    result = rctx.execute([pkg_config] + args)
    if result.return_code != 0:
        fail("pkg-config %s failed: %s\nRun ./spillway.sh test (or tools/install_deps.sh) to install the Debian packages." %
             (" ".join(args), result.stderr))
    return result.stdout.strip().split(" ")

def _system_libraries_impl(rctx):
    pkg_config = rctx.which("pkg-config")
    if not pkg_config:
        fail("pkg-config not found: run tools/install_deps.sh")
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, modules in rctx.attr.libraries.items():
        cflags = _pkg_config(rctx, pkg_config, ["--cflags"] + modules)
        libs = _pkg_config(rctx, pkg_config, ["--libs"] + modules)
        includes, defines, copts = _split_flags(rctx, cflags)

        # System include directories other than /usr/include are linked into the
        # repository so Bazel's include checking accepts them.
        local_includes = []
        for i, path in enumerate(includes):
            if path in ("/usr/include", "/usr/local/include"):
                continue
            link = "include_%s_%d" % (name, i)
            rctx.symlink(path, link)
            local_includes.append(link)
        build.append("""cc_library(
    name = "{name}",
    hdrs = glob({hdr_globs}),
    includes = {includes},
    defines = {defines},
    copts = {copts},
    linkopts = {linkopts},
)
""".format(
            name = name,
            hdr_globs = repr([inc + "/**" for inc in local_includes]),
            includes = repr(local_includes),
            defines = repr(defines),
            copts = repr(copts),
            linkopts = repr([lib for lib in libs if lib]),
        ))
    for name, tool in rctx.attr.tools.items():
        path = rctx.which(tool)
        if not path:
            fail("%s not found on PATH: run tools/install_deps.sh" % tool)
        rctx.symlink(path, "bin/" + name)
        build.append('exports_files(["bin/%s"])\n' % name)
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD.bazel", "\n".join(build))

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    attrs = {
        "libraries": attr.string_list_dict(doc = "target name -> pkg-config modules"),
        "tools": attr.string_dict(doc = "exported file name -> executable on PATH"),
    },
    environ = ["PATH", "PKG_CONFIG_PATH"],
    local = True,
)
