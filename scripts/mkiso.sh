#!/usr/bin/env bash
# A GRUB (BIOS, El Torito, no emulation) ISO that boots a multiboot2 ELF:
#   mkiso.sh OUT.iso KERNEL.elf [ARGS...]
# One GRUB image with its configuration embedded (boot at once, no menu, no modules read
# from the disc); ARGS become the kernel's command line.
set -euo pipefail
out=$1 kernel=$2
shift 2
tmp=$(mktemp -d "${out}.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/iso/boot/grub"
cp "$kernel" "$tmp/iso/boot/moat.elf"
cat >"$tmp/embed.cfg" <<CFG
multiboot2 (cd)/boot/moat.elf $*
boot
CFG
grub-mkimage -O i386-pc-eltorito -d /usr/lib/grub/i386-pc -c "$tmp/embed.cfg" -p /boot/grub \
	-o "$tmp/iso/boot/grub/core.img" biosdisk iso9660 multiboot2
xorriso -as mkisofs -quiet -R -b boot/grub/core.img -no-emul-boot -boot-load-size 4 \
	-boot-info-table -o "$out" "$tmp/iso" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
