# SPDX-License-Identifier: MIT
"""Debian's stock arm64 kernel as a guest (issue 16), with the documented configuration only
(tests/guests/linux/linux.dts.in: kernel, initrd, "console=ttyAMA0 earlycon rdinit=/init"; no
special kernel parameters), on direct and UEFI boot, with 1 and 2 vCPUs: the kernel boots on
the vPL011, brings up its vCPUs through PSCI, runs /init from the initramfs built at test time
(tests/guests/linux/init.c) and powers off through PSCI SYSTEM_OFF. The VM is assigned QEMU's
nvme (plain assignment, at 00:03.0, backed by build/linux/nvme.img with a known LBA 1): Linux's
own nvme driver probes it, takes its MSI-X interrupts (the guest's virtual vectors, delivered
physically through the host's GICv3 ITS, docs/gic-its.md) and /init prints LBA 1 of
/dev/nvme0n1. Moat must refuse nothing the kernel does (no "vcpu: linux/N:" line). The
kernel comes from build/deps/linux (fetched by scripts/bootstrap.sh). Times under TCG on this machine: see docs/guest-abi.md."""
from qemu import Scenario

IMAGE = "build/arm64/Image"
OUT = "build/linux"
DISK = f"{OUT}/nvme.img"
NVME = ["-drive", f"file={DISK},format=raw,if=none,id=nv,snapshot=on",
        "-device", "nvme,drive=nv,serial=moatlinux,addr=03.0"]
AAVMF = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"


def virt(smp, extra):
    return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-smp", str(smp), "-m", "1024", *NVME, *extra]


def linux(n):
    cpus = "0" if n == 1 else f"0-{n - 1}"
    return [r"^moat: its: ITS at 0x8080000: \d+ DeviceIDs, ",
            r"^moat: vdev: linux: 0000:00:03.0 1b36:0010 assigned as vdev 0x18000 \(no TDISP\)$",
            rf"^moat: vm: linux: id 1, {n} vCPU\(s\), 256 MiB private \+ 0 MiB shared RAM$",
            r"^\[linux\] \[ *[\d.]+\] Booting Linux on physical CPU 0x0+ ",
            r"^\[linux\] \[ *[\d.]+\] Linux version 6\.\S+-arm64 ",
            rf"^\[linux\] \[ *[\d.]+\] smp: Brought up 1 node, {n} CPUs?$",
            r"^\[linux\] moat-init: MOAT-LINUX-INIT-OK: /init is running as pid 1$",
            rf"^\[linux\] moat-init: cpus online {cpus}$",
            r"^\[linux\] moat-init: nvme0: QEMU NVMe Ctrl",
            r"^\[linux\] moat-init: nvme0n1 LBA 1: MOAT-NVME-LBA1 known block of the drive "
            r"behind the guest nvme$",
            r"^\[linux\] moat-init: powering off$",
            r"^moat: vcpu: linux: system off$",
            r"^moat: all VMs stopped, powering off$"]


FORBID = [r"Kernel panic", r"\] Oops", r"\] BUG: ", r"^moat: vcpu: linux/\d+: ",
          r"demo complete", r"stay masked", r"I/O timeout", r"moat: its: error"]


def direct(n):
    cfg = f"{OUT}/linux-smp{n}.dtb"
    return Scenario(f"linux-arm64-direct-smp{n}", virt(n, ["-kernel", IMAGE, "-initrd", cfg]),
                    [r"^moat: Moat \S+ \(arm64, direct boot\)$", *linux(n)],
                    forbid=FORBID, timeout=120, needs=[IMAGE, cfg, DISK])


def uefi(n):
    esp = f"{OUT}/esp-linux-smp{n}.img"
    return Scenario(f"linux-arm64-uefi-smp{n}",
                    virt(n, ["-bios", AAVMF, "-drive",
                             f"file={esp},format=raw,if=none,id=esp,snapshot=on",
                             "-device", "virtio-blk-pci,drive=esp"]),
                    [r"^moat: efi: loaded Image \(\d+ bytes\)$",
                     r"^moat: efi: loaded initrd.cpio \(\d+ bytes\)$",
                     r"^moat: Moat \S+ \(arm64, uefi boot\)$", *linux(n)],
                    forbid=FORBID, timeout=180, needs=[esp, DISK])


SCENARIOS = [direct(1), direct(2), uefi(1), uefi(2)]
