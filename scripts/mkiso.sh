#!/usr/bin/env bash
# A GRUB (BIOS, El Torito, no emulation) ISO that boots a multiboot2 ELF:
#   mkiso.sh OUT.iso KERNEL.elf [-m MODULE]... [ARGS...]
# One GRUB image with its configuration embedded (boot at once, no menu, no GRUB modules read
# from the disc); each -m MODULE becomes a multiboot2 boot module (the first: Moat's
# configuration), in order; ARGS become the kernel's command line.
set -euo pipefail
out=$1 kernel=$2
shift 2
tmp=$(mktemp -d "${out}.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/iso/boot/grub"
cp "$kernel" "$tmp/iso/boot/moat.elf"
mods=()
while [ $# -ge 2 ] && [ "$1" = -m ]; do
	cp "$2" "$tmp/iso/boot/module${#mods[@]}"
	mods+=("module2 (cd)/boot/module${#mods[@]} $(basename "$2")")
	shift 2
done
{
	echo "multiboot2 (cd)/boot/moat.elf $*"
	for m in "${mods[@]}"; do echo "$m"; done
	echo boot
} >"$tmp/embed.cfg"
grub-mkimage -O i386-pc-eltorito -d /usr/lib/grub/i386-pc -c "$tmp/embed.cfg" -p /boot/grub \
	-o "$tmp/iso/boot/grub/core.img" biosdisk iso9660 multiboot2
xorriso -as mkisofs -quiet -R -b boot/grub/core.img -no-emul-boot -boot-load-size 4 \
	-boot-info-table -o "$out" "$tmp/iso" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
