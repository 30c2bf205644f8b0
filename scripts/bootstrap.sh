#!/usr/bin/env bash
# Moat dependency bootstrap: Debian packages, QEMU 10.0 from bookworm-backports, the arm64
# GNU-EFI and libfdt packages extracted under build/, and mbedTLS 2.28.3 sources from Debian's
# source package. Idempotent; prints only what it installs; fails with a clear message.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/build/deps"
mkdir -p "$deps"

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes

MBEDTLS_VERSION=2.28.3
MBEDTLS_DEB_VERSION=2.28.3-1
QEMU_MIN_MAJOR=10

PKGS=(make gcc gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu picolibc-aarch64-linux-gnu
      gnu-efi libcmocka-dev libmbedtls-dev libfdt-dev device-tree-compiler mtools dosfstools
      ovmf qemu-efi-aarch64 clang clang-format lld llvm libclang-rt-14-dev dpkg-dev xz-utils python3
      openssl bochs bochsbios bochs-sdl seabios grub-pc-bin grub-common xorriso)
BACKPORT_PKGS=(qemu-system-arm qemu-system-x86)

apt_updated=0
apt_update() {
	if [ "$apt_updated" -eq 0 ]; then
		say "apt-get update"
		$SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
		apt_updated=1
	fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# The sources we need: bookworm-backports (QEMU 10.0) and deb-src for bookworm (mbedtls).
ensure_sources() {
	local f=/etc/apt/sources.list.d/moat.sources
	if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
	   ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		say "adding bookworm-backports and deb-src entries to $f"
		$SUDO tee "$f" >/dev/null <<-EOF
		Types: deb deb-src
		URIs: http://deb.debian.org/debian
		Suites: bookworm-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: bookworm
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		apt_updated=0
	fi
}

qemu_ok() {
	local v
	command -v qemu-system-aarch64 >/dev/null && command -v qemu-system-x86_64 >/dev/null || return 1
	v=$(qemu-system-aarch64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')
	[ -n "$v" ] && [ "$v" -ge "$QEMU_MIN_MAJOR" ]
}

ensure_packages() {
	local missing=() p
	for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
	if [ "${#missing[@]}" -gt 0 ]; then
		ensure_sources
		apt_update
		say "installing ${missing[*]}"
		$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
	if ! qemu_ok; then
		ensure_sources
		apt_update
		say "installing ${BACKPORT_PKGS[*]} from bookworm-backports"
		$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports \
			"${BACKPORT_PKGS[@]}" >/dev/null || die "QEMU 10.0 from bookworm-backports failed"
		qemu_ok || die "QEMU >= $QEMU_MIN_MAJOR.0 is required (found: $(qemu-system-aarch64 --version | head -n1))"
	fi
}

# arm64 .debs (gnu-efi, libfdt-dev) downloaded through a private apt state, extracted under build/.
ensure_arm64_debs() {
	local root="$deps/arm64" stamp="$deps/arm64/.done"
	[ -f "$stamp" ] && return 0
	ensure_sources
	say "downloading arm64 gnu-efi and libfdt-dev into $root"
	local st="$deps/apt-arm64"
	mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$root/debs" "$root/sysroot"
	local opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
		    -o Dir::State::Lists="$st/lists" -o Dir::Cache="$st/cache"
		    -o Dir::State::status=/dev/null -o Debug::NoLocking=1)
	apt-get "${opts[@]}" update -qq >/dev/null 2>&1 || die "apt-get update for arm64 lists failed"
	(cd "$root/debs" && apt-get "${opts[@]}" download gnu-efi:arm64 libfdt-dev:arm64 libfdt1:arm64 \
		>/dev/null 2>&1) || die "apt-get download of arm64 gnu-efi/libfdt-dev failed"
	local d
	for d in "$root"/debs/*.deb; do dpkg -x "$d" "$root/sysroot"; done
	[ -f "$root/sysroot/usr/lib/aarch64-linux-gnu/libfdt.a" ] || die "arm64 libfdt.a missing after extraction"
	touch "$stamp"
}

# Debian's stock arm64 kernel for the Linux guest scenarios (tests/system/scenarios/
# linux_arm64.py): the linux-image-arm64 metapackage names the image package of the version
# the archive serves; both are downloaded through the private arm64 apt state and the image
# package extracted under build/deps/linux (Image = its vmlinuz, the modules beside it).
ensure_linux_kernel() {
	local dir="$deps/linux" st="$deps/apt-arm64"
	[ -f "$dir/.done" ] && return 0
	ensure_sources
	local opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
		    -o Dir::State::Lists="$st/lists" -o Dir::Cache="$st/cache"
		    -o Dir::State::status=/dev/null -o Debug::NoLocking=1)
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$st/lists/partial" "$st/cache/archives/partial"
	apt-get "${opts[@]}" update -qq >/dev/null 2>&1 || die "apt-get update for arm64 lists failed"
	(cd "$dir/debs" && apt-get "${opts[@]}" download linux-image-arm64:arm64 >/dev/null 2>&1) ||
		die "apt-get download linux-image-arm64:arm64 failed"
	local meta pkg
	meta=$(ls "$dir"/debs/linux-image-arm64_*.deb)
	pkg=$(dpkg-deb -f "$meta" Depends | sed 's/[ ,(].*//')
	[ -n "$pkg" ] || die "linux-image-arm64 names no image package"
	say "downloading Debian's arm64 kernel $pkg into $dir"
	(cd "$dir/debs" && apt-get "${opts[@]}" download "$pkg:arm64" >/dev/null 2>&1) ||
		die "apt-get download $pkg:arm64 failed"
	dpkg -x "$dir"/debs/"$pkg"_*.deb "$dir/root"
	ln -sf "$(cd "$dir/root/boot" && ls vmlinuz-* | head -n1 | sed 's|^|root/boot/|')" "$dir/Image"
	ln -sf "$(cd "$dir/root/lib/modules" && ls | head -n1 | sed 's|^|root/lib/modules/|')" "$dir/modules"
	[ -s "$dir/Image" ] && [ -d "$dir/modules/kernel" ] || die "kernel package incomplete"
	rm -f "$dir"/debs/*.deb
	echo "$pkg" >"$dir/VERSION"
	touch "$dir/.done"
}

# mbedTLS sources from Debian's source package, pinned to 2.28.3-1; built by the Makefile.
ensure_mbedtls_src() {
	local dir="$deps/mbedtls-$MBEDTLS_VERSION"
	[ -f "$dir/.done" ] && return 0
	ensure_sources
	apt_update
	say "fetching mbedtls=$MBEDTLS_DEB_VERSION source package"
	local tmp="$deps/mbedtls-src.tmp"
	rm -rf "$tmp" "$dir"
	mkdir -p "$tmp"
	(cd "$tmp" && apt-get source -qq --download-only "mbedtls=$MBEDTLS_DEB_VERSION" >/dev/null 2>&1) ||
		die "apt-get source mbedtls=$MBEDTLS_DEB_VERSION failed (is a deb-src entry reachable?)"
	local orig
	orig=$(ls "$tmp"/mbedtls_"$MBEDTLS_VERSION".orig.tar.* 2>/dev/null | head -n1)
	[ -n "$orig" ] || die "mbedtls orig tarball not found"
	mkdir -p "$dir"
	tar -xf "$orig" -C "$dir" --strip-components=1
	[ -f "$dir/library/ecdsa.c" ] || die "mbedtls sources incomplete"
	rm -rf "$tmp"
	touch "$dir/.done"
}

# The amd64 libfdt headers, alone in a folder, for the freestanding x86_64 build (which must
# not see the rest of /usr/include).
ensure_x86_fdt_headers() {
	local inc="$deps/x86_64/include" h
	mkdir -p "$inc"
	for h in fdt.h libfdt.h libfdt_env.h; do
		[ -e "$inc/$h" ] || ln -sf "/usr/include/$h" "$inc/$h"
	done
}

ensure_packages
ensure_x86_fdt_headers
ensure_arm64_debs
ensure_mbedtls_src
ensure_linux_kernel
