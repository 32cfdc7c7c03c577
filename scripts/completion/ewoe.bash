# bash completion for ewoe. Commands, options and their values come from the installed binary
# (`ewoe help --complete [COMMAND [SUBCOMMAND]]`), which prints them from the tables its parser
# and --help use: a word (command) or "--option [ARG]" a line, where an ARG of "a|b" lists the
# values the option takes and one ending in FILE or DIR names a path.
_ewoe()
{
	local cur prev words cword
	_init_completion || return

	local table line arg i cmd="" sub="" subs=""
	table=$(ewoe help --complete 2>/dev/null) || return
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*)
			# An option's argument is no command: skip it.
			line=$(grep -m1 -- "^${words[i]} " <<<"$table") && ((i++))
			;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
				table=$(ewoe help --complete "$cmd" 2>/dev/null) || return
				subs=$(grep -v -- '^-' <<<"$table")
			elif [[ -z $sub && -n $subs ]]; then
				sub=${words[i]}
				table=$(ewoe help --complete "$cmd" "$sub" 2>/dev/null) || return
			fi
			;;
		esac
	done

	if [[ $prev == --* ]] && line=$(grep -m1 -- "^$prev " <<<"$table"); then
		arg=${line#* }
		case $arg in
		*"|"*) COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur")) ;;
		*FILE) _filedir ;;
		*DIR) _filedir -d ;;
		esac
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(grep -- '^-' <<<"$table" | cut -d' ' -f1)" -- "$cur"))
	elif [[ -z $cmd || (-n $subs && -z $sub) ]]; then
		COMPREPLY=($(compgen -W "$(grep -v -- '^-' <<<"$table")" -- "$cur"))
	fi
}
complete -F _ewoe ewoe
