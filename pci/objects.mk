# pci: ECAM config access, enumeration, capabilities, FLR, the DOE mailbox, the IDE capability.
srcs-y += pci/ecam.c pci/enum.c pci/bar.c pci/acs.c pci/cap.c pci/doe.c pci/ide.c pci/alias.c
# The boot unit runs only in the images (the host tests drive enumeration directly).
image-srcs-y += pci/pci_boot.c
