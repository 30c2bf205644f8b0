#!/usr/bin/env bash
# Builds an EFI system partition image with mtools (no root, no loop devices):
#   mkesp.sh OUT.img BOOTxxx.EFI CONFIG.dtb [EXTRA_FILE...]
# EFI/BOOT/<name of the EFI file> is the removable-media path firmware boots by default;
# the configuration goes to EFI/moat/moat.dtb and extra files (guest images) next to it.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 OUT.img APP.EFI CONFIG.dtb [FILE...]" >&2; exit 2; }
out=$1 app=$2 cfg=$3
shift 3

# 32 MiB FAT16 (512-byte sectors) leaves room for guest images.
sectors=65536
total=$(( $(stat -c %s "$app") + $(stat -c %s "$cfg") ))
for f in "$@"; do total=$(( total + $(stat -c %s "$f") )); done
[ "$total" -lt $(( (sectors - 2048) * 512 )) ] || { echo "mkesp: files do not fit" >&2; exit 1; }

tmp="$out.tmp"
rm -f "$tmp"
truncate -s $(( sectors * 512 )) "$tmp"
export MTOOLS_SKIP_CHECK=1
mformat -i "$tmp" -T "$sectors" -h 64 -s 32 -v MOATESP ::
mmd -i "$tmp" ::/EFI ::/EFI/BOOT ::/EFI/moat
mcopy -i "$tmp" "$app" "::/EFI/BOOT/$(basename "$app")"
mcopy -i "$tmp" "$cfg" ::/EFI/moat/moat.dtb
for f in "$@"; do mcopy -i "$tmp" "$f" "::/EFI/moat/$(basename "$f")"; done
mv "$tmp" "$out"
