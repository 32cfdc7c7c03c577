#!/bin/sh
# ansible-lint on the ewoe.fleet collection (scripts/ansible), with the collection's own
# .ansible-lint: the production profile, offline (nothing is fetched from Galaxy).
. "$EWOE_SRC/tests/lib.sh"
command -v ansible-lint >/dev/null 2>&1 ||
	skip "ansible-lint is not installed (install-deps.sh installs it on Debian 12 and 13)"
COLL=$EWOE_SRC/scripts/ansible/ansible_collections/ewoe/fleet
# ansible-lint finds the collection's own plugins through the parent of the last path element
# of ANSIBLE_COLLECTIONS_PATH (ansible-compat), ansible through the directory above
# ansible_collections: this one path satisfies both. Its cache goes to $T.
rc=0
(cd "$COLL" && HOME=$T XDG_CACHE_HOME=$T/cache \
	ANSIBLE_COLLECTIONS_PATH="$EWOE_SRC/scripts/ansible/ansible_collections" \
	ANSIBLE_LOCAL_TEMP=$T/ansible-tmp NO_COLOR=1 ansible-lint --nocolor) >"$T/lint.log" 2>&1 || rc=$?
cat "$T/lint.log"
[ "$rc" -eq 0 ] || fail "ansible-lint exited $rc on $COLL"
grep -q "^Passed" "$T/lint.log" || fail "ansible-lint did not say it passed"
grep -q "failure(s)" "$T/lint.log" && ! grep -q " 0 failure(s)" "$T/lint.log" &&
	fail "ansible-lint reported failures"
pass
