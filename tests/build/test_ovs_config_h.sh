#!/bin/sh
# src/ovsdb.c must be compiled with Open vSwitch's own config.h first (the definitions
# libopenvswitch.a was built with: HAVE_STDATOMIC_H, _GNU_SOURCE, ...), never with a config.h
# of ewoe's: it compiles ovsdb.c as the build does, with -H, and reads which header came first.
. "$EWOE_SRC/tests/lib.sh"
: "${EWOE_BUILD:?EWOE_BUILD must name the build tree (ctest sets it)}"

db="$EWOE_BUILD/compile_commands.json"
[ -r "$db" ] || fail "no $db (CMAKE_EXPORT_COMPILE_COMMANDS)"
python3 - "$db" "$EWOE_SRC/src/ovsdb.c" >"$T/cmd" <<'PY' || fail "no compile command for src/ovsdb.c"
import json, os, shlex, sys
for e in json.load(open(sys.argv[1])):
    if os.path.realpath(e["file"]) == os.path.realpath(sys.argv[2]):
        args, out, skip = shlex.split(e["command"]), [], False
        for a in args:
            if skip:
                skip = False
            elif a in ("-o", "-c"):
                skip = True
            else:
                out.append(a)
        print(e["directory"])
        print(shlex.join(out + ["-fsyntax-only", "-H", e["file"]]))
        sys.exit(0)
sys.exit(1)
PY
dir=$(sed -n 1p "$T/cmd")
cmd=$(sed -n 2p "$T/cmd")
case $cmd in *-DEWOE_OVS_SYSTEM*) skip "Open vSwitch from the distribution: ovsdb.c includes no config.h" ;; esac

(cd "$dir" && eval "$cmd") 2>"$T/headers" >/dev/null || fail "ovsdb.c does not compile: $(cat "$T/headers")"
first=$(grep -m1 '^\. ' "$T/headers" | cut -c3-)
first_config=$(grep -m1 '/config\.h$' "$T/headers" | sed 's/^\.* //')
[ -n "$first_config" ] || fail "ovsdb.c includes no config.h"
[ "$first" = "$first_config" ] || fail "ovsdb.c's first header is $first, not config.h ($first_config)"
case $(realpath "$first_config") in
"$(realpath "$EWOE_SRC")"/*) fail "ovsdb.c's config.h is ewoe's: $first_config" ;;
esac
grep -q '^#define PACKAGE_NAME "openvswitch"' "$first_config" ||
	fail "$first_config is not Open vSwitch's autoconf config.h"
# No config.h anywhere in ewoe's include path could shadow it again.
[ ! -e "$EWOE_SRC/include/config.h" ] || fail "include/config.h shadows Open vSwitch's config.h"
pass
