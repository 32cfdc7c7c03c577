# bash completion for ewoe. Commands and options come from `ewoe help`, so they never drift
# from the binary.
_ewoe()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	--config | --psk-file | --cert | --key | --peer-cert | --ca | --output)
		_filedir
		return
		;;
	--offload | --expect-offload)
		COMPREPLY=($(compgen -W 'packet crypto auto none' -- "$cur"))
		return
		;;
	--role)
		COMPREPLY=($(compgen -W 'initiator responder auto' -- "$cur"))
		return
		;;
	--root)
		_filedir -d
		return
		;;
	esac

	local i cmd="" sub=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--db | --vici | --root | --timeout) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--db --vici --root --timeout --dry-run --verbose
				--quiet --json --version --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(ewoe help 2>/dev/null |
				awk '/^Commands:/{on=1;next} on&&/^  [a-z]/{print $1} /^$/{on=0}')" -- "$cur"))
		fi
		return
	fi
	local help
	help=$(ewoe help "$cmd" $sub 2>/dev/null)
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(grep -o -- '--[a-z-]*' <<<"$help" | sort -u)" -- "$cur"))
	elif [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W "$(awk '/^  [a-z]+ /{print $1}' <<<"$help")" -- "$cur"))
	fi
}
complete -F _ewoe ewoe
