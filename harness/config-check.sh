#!/bin/sh
# Fail if a symbol that a config fragment sets did not reach the final .config
# (kconfig silently drops symbols that do not exist or whose dependencies fail).
# Usage: config-check.sh FRAGMENT DOTCONFIG
set -eu
[ $# -eq 2 ] || { echo "usage: $0 FRAGMENT DOTCONFIG" >&2; exit 2; }
bad=0
grep -E '^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set)$' "$1" | while read -r line; do
	case $line in
	"# "*) sym=${line#\# }; sym=${sym%% *}
	       grep -q "^$sym=" "$2" && { echo "config: $sym should be off" >&2; exit 1; } ;;
	*)     grep -qx "$line" "$2" || { echo "config: $line did not reach $2" >&2; exit 1; } ;;
	esac
done || bad=1
exit $bad
