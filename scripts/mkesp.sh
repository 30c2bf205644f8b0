#!/usr/bin/env bash
# Builds an EFI system partition image with mtools (no root, no loop devices):
#   mkesp.sh OUT.img BOOTxxx.EFI CONFIG.dtb [EXTRA_FILE...]
# EFI/BOOT/<name of the EFI file> is the removable-media path firmware boots by default;
# the configuration goes to EFI/moat/moat.dtb and extra files (guest images) next to it.
# The FAT is sized from its contents (docs/deployment.md).
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 OUT.img APP.EFI CONFIG.dtb [FILE...]" >&2; exit 2; }
out=$1 app=$2 cfg=$3
shift 3

mib=$(( 1024 * 1024 ))
cluster=$(( 32 * 1024 )) # the largest FAT16 cluster: an upper bound on rounding per file
total=0
for f in "$app" "$cfg" "$@"; do
	[ -f "$f" ] || { echo "mkesp: $f: no such file" >&2; exit 1; }
	total=$(( total + ( $(stat -c %s "$f") + cluster - 1 ) / cluster * cluster ))
done
# A quarter more and 4 MiB for the FATs, root and directories; at least 32 MiB.
bytes=$(( total + total / 4 + 4 * mib ))
[ "$bytes" -ge $(( 32 * mib )) ] || bytes=$(( 32 * mib ))
bytes=$(( (bytes + mib - 1) / mib * mib ))
sectors=$(( bytes / 512 ))
fat=()
[ "$bytes" -le $(( 1024 * mib )) ] || fat=(-F)

tmp="$out.tmp"
rm -f "$tmp"
truncate -s "$bytes" "$tmp"
export MTOOLS_SKIP_CHECK=1
mformat -i "$tmp" "${fat[@]}" -T "$sectors" -h 64 -s 32 -v MOATESP ::
mmd -i "$tmp" ::/EFI ::/EFI/BOOT ::/EFI/moat
mcopy -i "$tmp" "$app" "::/EFI/BOOT/$(basename "$app")"
mcopy -i "$tmp" "$cfg" ::/EFI/moat/moat.dtb
for f in "$@"; do mcopy -i "$tmp" "$f" "::/EFI/moat/$(basename "$f")"; done
mv "$tmp" "$out"
