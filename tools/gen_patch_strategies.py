#!/usr/bin/python3
"""Generates sim/apiserver/patch_strategies.inc: how strategic merge patch
treats every field of the built-in kinds the embedded API server serves, as
kube-apiserver does — from the kinds' Go definitions in k8s.io/api, their
struct tags `patchStrategy` and `patchMergeKey`.

Source: the Go type information compiled into kubectl 1.32 (the kubectl on
these machines, Google Cloud SDK's kubectl.1.32), which links k8s.io/api
v0.32 and keeps every struct's fields, their types and their tags for
reflection. That is where kube-apiserver 1.32 reads them from too
(k8s.io/apimachinery's strategicpatch.NewPatchMetaFromStruct). The binary is
an ELF executable built by Go 1.23: .typelink lists type descriptors; a
struct descriptor (internal/abi.StructType) holds its fields, each a name
with its tag and a pointer to the field's type.

Usage: /usr/bin/python3 tools/gen_patch_strategies.py [kubectl] > sim/apiserver/patch_strategies.inc
The test //sim/apiserver:patch_test regenerates it and compares.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_builtin_schema import ROOTS  # noqa: E402  (the served kinds)

KUBECTL_CANDIDATES = ["/usr/lib/google-cloud-sdk/bin/kubectl.1.32", "/usr/bin/kubectl"]

KIND_ARRAY, KIND_MAP, KIND_PTR, KIND_SLICE, KIND_STRUCT = 17, 21, 22, 23, 25
TFLAG_UNCOMMON, TFLAG_EXTRA_STAR = 1, 2
# Bytes after abi.Type's 48 before the uncommon part, per kind.
KIND_EXTRA = {KIND_PTR: 8, KIND_SLICE: 8, KIND_ARRAY: 24, KIND_STRUCT: 32, KIND_MAP: 40}

# Structs serialized as one JSON value (custom marshalling): never descended.
LEAVES = {
    "meta/v1.Time", "meta/v1.MicroTime", "meta/v1.Duration", "meta/v1.FieldsV1",
    "resource.Quantity", "intstr.IntOrString", "runtime.RawExtension", "apiextensions/v1.JSON",
    "apiextensions/v1.JSONSchemaPropsOrArray", "apiextensions/v1.JSONSchemaPropsOrBool",
    "apiextensions/v1.JSONSchemaPropsOrStringArray",
}


class Binary:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        d = self.data
        shoff = struct.unpack_from("<Q", d, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        sections = []
        for i in range(shnum):
            name, _, _, addr, offset, size = struct.unpack_from("<IIQQQQ", d, shoff + i * shentsize)
            sections.append((name, addr, offset, size))
        names_at = sections[shstrndx][2]
        self.sections = {}
        for name, addr, offset, size in sections:
            text = d[names_at + name:d.index(b"\0", names_at + name)].decode()
            self.sections[text] = (addr, offset, size)
        self.types_base = self.sections[".rodata"][0]

    def read(self, addr, n):
        for sec_addr, offset, size in self.sections.values():
            if sec_addr and sec_addr <= addr < sec_addr + size:
                return self.data[offset + addr - sec_addr:offset + addr - sec_addr + n]
        raise KeyError(hex(addr))

    def u64(self, addr):
        return struct.unpack("<Q", self.read(addr, 8))[0]

    def i32(self, addr):
        return struct.unpack("<i", self.read(addr, 4))[0]

    def varint(self, addr):
        value, shift, used = 0, 0, 0
        while True:
            byte = self.read(addr + used, 1)[0]
            used += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, used

    def name(self, addr):
        """An abi.Name: (text, tag, embedded)."""
        flags = self.read(addr, 1)[0]
        length, used = self.varint(addr + 1)
        text = self.read(addr + 1 + used, length).decode("utf-8", "replace")
        tag = ""
        if flags & 2:
            tag_length, tag_used = self.varint(addr + 1 + used + length)
            tag = self.read(addr + 1 + used + length + tag_used, tag_length).decode("utf-8", "replace")
        return text, tag, bool(flags & 8)

    def typelinks(self):
        _, offset, size = self.sections[".typelink"]
        return [self.types_base + o for o in struct.unpack_from("<%di" % (size // 4), self.data, offset)]


class Types:
    """Type descriptors reachable from the typelinks."""

    def __init__(self, binary):
        self.b = binary
        self.kind, self.elem, self.fields, self.name = {}, {}, {}, {}
        stack = binary.typelinks()
        while stack:
            t = stack.pop()
            if t in self.kind:
                continue
            try:
                header = binary.read(t, 48)
            except KeyError:
                continue
            kind = header[23] & 0x1F
            self.kind[t] = kind
            text = binary.name(binary.types_base + struct.unpack_from("<i", header, 40)[0])[0]
            if header[20] & TFLAG_EXTRA_STAR:
                text = text[1:]
            package = ""
            if header[20] & TFLAG_UNCOMMON and kind in KIND_EXTRA:
                package = binary.name(binary.types_base + binary.i32(t + 48 + KIND_EXTRA[kind]))[0]
            self.name[t] = qualified(package, text)
            if kind in (KIND_PTR, KIND_SLICE, KIND_ARRAY):
                self.elem[t] = binary.u64(t + 48)
                stack.append(self.elem[t])
            elif kind == KIND_MAP:
                self.elem[t] = binary.u64(t + 56)
                stack.append(self.elem[t])
            elif kind == KIND_STRUCT:
                fields_at, count = binary.u64(t + 56), binary.u64(t + 64)
                fields = []
                for i in range(count):
                    name_at, type_at, _ = struct.unpack("<QQQ", binary.read(fields_at + 24 * i, 24))
                    fields.append(binary.name(name_at) + (type_at,))
                    stack.append(type_at)
                self.fields[t] = fields

    def struct_named(self, name):
        for t, kind in self.kind.items():
            if kind == KIND_STRUCT and self.name[t] == name:
                return t
        return None


def qualified(package, text):
    """core/v1.PodSpec for k8s.io/api/core/v1's v1.PodSpec."""
    short = text.split(".", 1)[-1]
    for prefix, replacement in (("k8s.io/api/", ""), ("k8s.io/apimachinery/pkg/apis/", ""),
                                ("k8s.io/apiextensions-apiserver/pkg/apis/", "")):
        if package.startswith(prefix):
            return replacement + package[len(prefix):] + "." + short
    return text


def tag_value(tag, key):
    marker = key + ':"'
    at = tag.find(marker)
    if at < 0:
        return None
    end = tag.index('"', at + len(marker))
    return tag[at + len(marker):end]


def describe(types, t):
    """(value type name or "", list marker) of a field's type: pointers
    followed, "[]" for a list, "{}" for a map."""
    marker = ""
    while True:
        kind = types.kind.get(t)
        if kind == KIND_PTR:
            t = types.elem[t]
        elif kind == KIND_SLICE and not marker and types.name[t] != "[]uint8":
            marker, t = "[]", types.elem[t]
        elif kind == KIND_MAP and not marker:
            marker, t = "{}", types.elem[t]
        else:
            break
    if types.kind.get(t) == KIND_STRUCT and types.name[t] not in LEAVES and "/" in types.name[t]:
        return types.name[t], marker
    return "", marker


def json_fields(types, t):
    """(json name, tag, type) of a struct's fields, inline ones flattened."""
    out = []
    for name, tag, embedded, type_at in types.fields[t]:
        json_tag = tag_value(tag, "json")
        json_name = json_tag.split(",")[0] if json_tag is not None else name
        if json_name == "-":
            continue
        inline = json_tag is not None and ",inline" in json_tag and json_name == ""
        if inline or (embedded and json_tag is None):
            target = type_at
            while types.kind.get(target) == KIND_PTR:
                target = types.elem[target]
            if types.kind.get(target) == KIND_STRUCT:
                out.extend(json_fields(types, target))
            continue
        out.append((json_name, tag, type_at))
    return out


def go_type_of(key):
    """apps/v1/Deployment -> apps/v1.Deployment; v1/Pod -> core/v1.Pod."""
    parts = key.split("/")
    if len(parts) == 2:
        return "core/%s.%s" % (parts[0], parts[1])
    group, version, kind = parts
    return "%s/%s.%s" % (group.split(".")[0], version, kind)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else next(p for p in KUBECTL_CANDIDATES if os.path.exists(p))
    types = Types(Binary(path))
    lines, roots, todo, done = [], [], [], set()
    for key in sorted(ROOTS):
        name = go_type_of(key)
        if types.struct_named(name) is None:
            roots.append('"@%s -",' % key)  # Not linked into kubectl: metadata only.
            continue
        roots.append('"@%s %s",' % (key, name))
        todo.append(name)
    todo.append("meta/v1.ObjectMeta")
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        entries = []
        for json_name, tag, type_at in json_fields(types, types.struct_named(name)):
            value, marker = describe(types, type_at)
            strategy = tag_value(tag, "patchStrategy") or ""
            key = tag_value(tag, "patchMergeKey") or ""
            if not value and not strategy:
                continue
            entry = "%s=%s%s" % (json_name, marker, value)
            if strategy:
                entry += ":" + strategy + (":" + key if key else "")
            entries.append(entry)
            if value:
                todo.append(value)
        if entries:
            lines.append('"%s %s",' % (name, " ".join(sorted(entries))))
    print("// Generated by tools/gen_patch_strategies.py from k8s.io/api v0.32 as compiled")
    print("// into kubectl 1.32; do not edit. Roots: \"@group/version/Kind GoType\" (\"-\": not")
    print("// in kubectl, metadata only). Then a Go struct and its fields that matter to")
    print("// strategic merge patch: `json=Type` (a struct to descend into; `[]` a list of,")
    print("// `{}` a map of), then `:patchStrategy[:patchMergeKey]` where tagged.")
    for line in roots + sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
