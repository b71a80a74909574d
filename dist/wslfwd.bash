# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bash completion for wslfwd(8)
_wslfwd()
{
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	local globals="-j --json -p --pretty -v --verbose --pin-dir --config -h --help -V --version"
	local cmds="load unload status watch add del list stats conns flush netsh windows"

	case $prev in
	--pin-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--dev) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--mode) COMPREPLY=($(compgen -W "auto xdp xdp-generic tc" -- "$cur")); return ;;
	--ct-size) return ;;	# a number: nothing to offer
	--cgroup) COMPREPLY=($(compgen -d -- "$cur") $(compgen -W none -- "$cur")); return ;;
	--redirect) COMPREPLY=($(compgen -W "auto none $(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--timeout)
		# CLASS=SECONDS[,CLASS=SECONDS...]: complete the class after the last comma
		COMPREPLY=($(compgen -P "${cur%"${cur##*,}"}" -W "tcp-syn-sent= tcp-syn-recv= tcp-est= tcp-fin-wait= tcp-close-wait= tcp-time-wait= tcp-close= tcp-unreplied= udp= udp-stream=" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return ;;
	esac
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--pin-dir|--config) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$cmds $globals" -- "$cur"))
		return
	fi
	case $cmd in
	load) COMPREPLY=($(compgen -W "--dev --mode --cgroup --ct-size --redirect --timeout $globals" -- "$cur")) ;;
	watch) COMPREPLY=($(compgen -W "--dev --windows $globals" -- "$cur")) ;;
	windows) COMPREPLY=($(compgen -W "--apply $globals" -- "$cur")) ;;
	stats) COMPREPLY=($(compgen -W "--prometheus $globals" -- "$cur")) ;;
	flush) COMPREPLY=($(compgen -W "conns mappings" -- "$cur")) ;;
	add|del)
		if [ "$prev" = "$cmd" ]; then
			COMPREPLY=($(compgen -W "tcp udp both" -- "$cur"))
		elif [ "$prev" = snat ]; then
			COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		elif [ "$cmd" = add ]; then
			COMPREPLY=($(compgen -W "@vm: @host: @vm6: @host6: allow snat" -- "$cur"))
		elif [ "$prev" = tcp ] || [ "$prev" = udp ] || [ "$prev" = both ]; then
			COMPREPLY=($(compgen -W "@vm6:" -- "$cur"))	# del: the IPv6 listener
		fi ;;
	netsh)
		case $prev in
		netsh) COMPREPLY=($(compgen -W "interface" -- "$cur")) ;;
		interface) COMPREPLY=($(compgen -W "portproxy" -- "$cur")) ;;
		portproxy) COMPREPLY=($(compgen -W "add set delete show" -- "$cur")) ;;
		add|set|delete) COMPREPLY=($(compgen -W "v4tov4 v4tov6 v6tov4 v6tov6" -- "$cur")) ;;
		show) COMPREPLY=($(compgen -W "all v4tov4 v4tov6 v6tov4 v6tov6" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "listenport= listenaddress= connectport= connectaddress= protocol=tcp" -- "$cur"))
		   compopt -o nospace 2>/dev/null ;;
		esac ;;
	*) COMPREPLY=($(compgen -W "$globals" -- "$cur")) ;;
	esac
}
complete -F _wslfwd wslfwd
