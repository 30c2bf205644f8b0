# boot: the UEFI entry (GNU-EFI), linked only into the EFI applications (BOOTAA64.EFI,
# BOOTX64.EFI). The direct entries are arch/arm64/head.S and arch/x86/head.S.
arm64-efi-srcs += boot/efi.c boot/efi_arm64.c boot/efi_arm64_entry.S
x86_64-efi-srcs += boot/efi.c boot/efi_x86_64.c
