#!/usr/bin/python3
"""Checks MeshHost's MessagePack bytes against an independent implementation (msgpack-python).

Run with Debian's interpreter and its python3-msgpack package:

    /usr/bin/python3 tests/interop/msgpack_interop.py < corpus.json > results.json

stdin is a JSON list of entries {"id", "hex", "value"}: "hex" is what our writer produced and
"value" the value it encodes, as a tagged description (see from_tagged). For every entry this
prints what msgpack decodes our bytes to (tagged the same way), its re-encoding of that decoded
object, and its own encoding of the described value. The C# test compares all three with ours.

Exit codes: 0 done (per-entry failures are reported in the JSON), 3 msgpack is not installed,
2 the corpus could not be read.
"""

import json
import struct
import sys

try:
    import msgpack
except ImportError:
    sys.stderr.write(
        "The Python module 'msgpack' is missing: run 'apt-get install python3-msgpack' "
        "and use /usr/bin/python3.\n")
    sys.exit(3)


def ext_hook(code, data):
    # Every extension other than the timestamp (type -1, decoded by msgpack itself) stays raw.
    return msgpack.ExtType(code, data)


def to_tagged(obj):
    """Describes a decoded Python object in the corpus's tagged form."""
    if obj is None:
        return {"kind": "nil"}
    if isinstance(obj, bool):  # before int: bool is a subclass of int
        return {"kind": "bool", "value": obj}
    if isinstance(obj, int):
        return {"kind": "int", "value": str(obj)}
    if isinstance(obj, float):
        return {"kind": "float64", "bits": struct.pack(">d", obj).hex()}
    if isinstance(obj, str):
        return {"kind": "str", "value": obj}
    if isinstance(obj, (bytes, bytearray)):
        return {"kind": "bin", "hex": bytes(obj).hex()}
    if isinstance(obj, msgpack.Timestamp):
        return {"kind": "timestamp", "seconds": str(obj.seconds), "nanoseconds": obj.nanoseconds}
    if isinstance(obj, msgpack.ExtType):
        return {"kind": "ext", "type": obj.code, "hex": obj.data.hex()}
    if isinstance(obj, (list, tuple)):
        return {"kind": "array", "items": [to_tagged(item) for item in obj]}
    if isinstance(obj, dict):
        return {"kind": "map", "entries": [[to_tagged(k), to_tagged(v)] for k, v in obj.items()]}
    raise TypeError("cannot describe %r" % type(obj))


def from_tagged(tag):
    """Builds the Python object a tagged description stands for."""
    kind = tag["kind"]
    if kind == "nil":
        return None
    if kind == "bool":
        return bool(tag["value"])
    if kind == "int":
        return int(tag["value"])
    if kind == "float64":
        return struct.unpack(">d", bytes.fromhex(tag["bits"]))[0]
    if kind == "float32":
        return struct.unpack(">f", bytes.fromhex(tag["bits"]))[0]
    if kind == "str":
        return tag["value"]
    if kind == "bin":
        return bytes.fromhex(tag["hex"])
    if kind == "timestamp":
        return msgpack.Timestamp(int(tag["seconds"]), int(tag["nanoseconds"]))
    if kind == "ext":
        return msgpack.ExtType(int(tag["type"]), bytes.fromhex(tag["hex"]))
    if kind == "array":
        return [from_tagged(item) for item in tag["items"]]
    if kind == "map":
        result = {}
        for key, value in tag["entries"]:
            result[from_tagged(key)] = from_tagged(value)
        return result
    raise ValueError("unknown kind %r" % kind)


def check(entry):
    ours = bytes.fromhex(entry["hex"])
    described = entry["value"]
    # msgpack writes every Python float as float64 unless told otherwise; a float32 value is
    # only comparable byte for byte when both sides use the single-precision form.
    single = described.get("kind") == "float32"
    result = {"id": entry["id"], "decoded": None, "reencoded": None, "reference": None, "error": None}
    try:
        # timestamp=0 returns msgpack.Timestamp (seconds and nanoseconds, exact); 3 would return a
        # datetime, which keeps only microseconds and years 1-9999.
        decoded = msgpack.unpackb(ours, raw=False, strict_map_key=False, timestamp=0, ext_hook=ext_hook)
        result["decoded"] = to_tagged(decoded)
        result["reencoded"] = msgpack.packb(decoded, use_bin_type=True, use_single_float=single).hex()
        result["reference"] = msgpack.packb(
            from_tagged(described), use_bin_type=True, use_single_float=single).hex()
    except Exception as ex:  # reported per entry so one bad entry does not hide the others
        result["error"] = "%s: %s" % (type(ex).__name__, ex)
    return result


def main():
    try:
        corpus = json.load(sys.stdin)
    except ValueError as ex:
        sys.stderr.write("The corpus is not JSON: %s\n" % ex)
        return 2

    output = {
        "implementation": "msgpack-python %s (%s)" % (
            ".".join(str(part) for part in msgpack.version), msgpack.Packer.__module__),
        "results": [check(entry) for entry in corpus],
    }
    # One dumps call and one write: json.dump streams many small writes, which is ten times slower.
    sys.stdout.write(json.dumps(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
