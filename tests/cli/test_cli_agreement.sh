#!/bin/bash
# The option table, each command's --help, the manual page and the bash completion agree:
# every option a command takes is in all four, none of them names an option the command does
# not take, and every value the completion offers is one the parser accepts.
. "$EWOE_SRC/tests/lib.sh"

MAN=$EWOE_SRC/docs/man/ewoe.8
COMPLETION=$EWOE_SRC/scripts/completion/ewoe.bash

# The completion runs without bash-completion installed: its two helpers, reduced to what the
# script needs (the words so far, and a marker for "complete a path").
_init_completion() {
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur=${words[cword]}
	prev=${words[cword - 1]}
}
_filedir() { COMPREPLY=("<${1:-file}>"); }
mkdir -p "$T/bin"
ln -s "$EWOE" "$T/bin/ewoe"
PATH=$T/bin:$PATH
. "$COMPLETION"

# complete WORD...: what the completion offers for the last word, sorted, one a line.
complete_words() {
	COMP_WORDS=(ewoe "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_ewoe
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u
}

globals=$("$EWOE" help --complete | grep '^--' | cut -d' ' -f1 | sort -u)
[ -n "$globals" ] || fail "help --complete lists no global option"
grep -qx -- '--json' <<<"$globals" || fail "help --complete lacks --json"

# options TEXT: the long options TEXT names, sorted, once each.
options() { grep -o -- '--[a-z][a-z-]*' | sed 's/-$//' | sort -u; }

# The global options: the same in getopt's table, `ewoe --help` and ewoe.8's GLOBAL OPTIONS.
"$EWOE" --help | sed -n '/^Global options:/,/^$/p' | options >"$T/g.help"
awk '/^\.SH GLOBAL OPTIONS/ {on=1; next} on && /^\.SH / {exit} on' "$MAN" | sed 's/\\-/-/g' |
	options >"$T/g.man"
[ "$(cat "$T/g.help")" = "$globals" ] || fail "ewoe --help's global options are not getopt's"
[ "$(cat "$T/g.man")" = "$globals" ] || fail "ewoe.8's global options are $(echo $(cat "$T/g.man"))"

# The manual's section of one command: from its .SS line to the next .SS or .SH.
man_section() {
	awk -v want=".SS \"$1\"" '$0 == want {on=1; next} on && /^\.S[SH] / {exit} on' "$MAN" |
		sed 's/\\-/-/g'
}

commands=$("$EWOE" help --complete | grep -v '^-')
checked=0
for cmd in $commands; do
	[ "$cmd" = help ] && continue
	subs=$("$EWOE" help --complete "$cmd" | grep -v '^-' || true)
	for sub in ${subs:-""}; do
		name=${sub:+$cmd $sub}
		name=${name:-$cmd}
		table=$("$EWOE" help --complete $name | grep '^--' | cut -d' ' -f1 | sort -u)
		[ -n "$table" ] || fail "$name: no option in its table"
		"$EWOE" $name --help >"$T/help" || fail "ewoe $name --help exited $?"
		help=$(options <"$T/help")
		man=$(man_section "$name" | options)
		[ -n "$man" ] || fail "$name: no section .SS \"$name\" in ewoe.8"
		comp=$(complete_words $name --)
		for opt in $table; do
			grep -qx -- "$opt" <<<"$help" || fail "$name: $opt is not in its --help"
			[ "$opt" = --help ] && continue
			grep -qx -- "$opt" <<<"$man" || fail "$name: $opt is not in ewoe.8"
			grep -qx -- "$opt" <<<"$comp" || fail "$name: the completion does not offer $opt"
		done
		# Prose may name a global option (--json, --dry-run); nothing else.
		for opt in $help $man; do
			grep -qx -- "$opt" <<<"$table" || grep -qx -- "$opt" <<<"$globals" ||
				fail "$name: $opt is named in its help or ewoe.8 but it takes no such option"
		done
		[ "$comp" = "$table" ] || fail "$name: the completion offers $(echo $comp), the table has $(echo $table)"

		# Every value the completion offers for an option is one the parser takes: with an
		# unknown option after it, the parser gets past the value to complain about that one.
		"$EWOE" help --complete $name | grep '^--[a-z-]* .*|' | while read -r opt values; do
			offered=$(complete_words $name "$opt" "")
			[ "$offered" = "$(tr '|' '\n' <<<"$values" | sort -u)" ] ||
				fail "$name $opt: the completion offers $(echo $offered), not $values"
			for v in $offered; do
				rc=0
				"$EWOE" $name "$opt" "$v" --no-such-option >"$T/stdout" 2>"$T/stderr" || rc=$?
				[ "$rc" -eq 2 ] && grep -q 'unknown option' "$T/stderr" ||
					fail "$name $opt $v: the completion offers a value the parser refuses"
			done
		done || exit 1
		checked=$((checked + 1))
	done
done
[ "$checked" -ge 10 ] || fail "only $checked commands checked"

# What the completion offered before it came from the table, and must not again.
complete_words verify -- | grep -qx -- --json && fail "verify offers --json, a global option"
complete_words verify --expect-offload "" | grep -qx auto && fail "verify --expect-offload offers auto"
complete_words setup-bridge --offload "" | grep -qx crypto && fail "setup-bridge --offload offers crypto"
for opt in --interface --rekey-packets --ike-proposal --esp-proposal; do
	complete_words setup -- | grep -qx -- "$opt" || fail "setup does not offer $opt"
done
[ "$(complete_words setup --config "")" = "<file>" ] || fail "--config does not complete a file"
[ "$(complete_words --root "")" = "<-d>" ] || fail "--root does not complete a directory"
complete_words "" | grep -qx setup || fail "the commands are not offered"
[ "$(complete_words tunnel "")" = "$(printf 'ca\ncert\npsk')" ] || fail "tunnel's subcommands"
complete_words --timeout 5 tunnel psk -- | grep -qx -- --psk-file || fail "after a global option"
pass
