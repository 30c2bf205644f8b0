#!/usr/bin/env bash
# The arm64 image relocates itself in head.S and handles only R_AARCH64_RELATIVE.
set -euo pipefail
elf=$1 readelf=$2
bad=$("$readelf" -rW "$elf" | awk '/^[0-9a-f]+ +[0-9a-f]+ R_/ && $3 != "R_AARCH64_RELATIVE" {print $3}' | sort -u)
if [ -n "$bad" ]; then
	echo "check-relocs: $elf has relocations head.S cannot apply: $bad" >&2
	exit 1
fi
