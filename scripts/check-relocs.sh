#!/usr/bin/env bash
# Images relocate themselves (head.S, or GNU-EFI's crt0 through _DYNAMIC): they handle only
# RELATIVE relocations, and only in one contiguous RELA section (DT_RELA..DT_RELA+DT_RELASZ).
# usage: check-relocs.sh ELF READELF [ALLOWED_TYPE]
set -euo pipefail
elf=$1 readelf=$2 allowed=${3:-R_AARCH64_RELATIVE}
bad=$("$readelf" -rW "$elf" | awk -v ok="$allowed" '/^[0-9a-f]+ +[0-9a-f]+ R_/ && $3 != ok {print $3}' | sort -u)
if [ -n "$bad" ]; then
	echo "check-relocs: $elf has relocations the loader cannot apply: $bad" >&2
	exit 1
fi
n=$("$readelf" -SW "$elf" | awk '$0 ~ / RELA +/ {n++} END {print n+0}')
if [ "$n" -gt 1 ]; then
	echo "check-relocs: $elf has $n RELA sections; DT_RELASZ would span the gap between them" >&2
	exit 1
fi
