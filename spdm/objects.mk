# spdm: SPDM 1.2/1.3 requester, secured messages, chunking, the PCI DOE binding.
srcs-y += spdm/spdm_vca.c spdm/spdm_auth.c spdm/spdm_cert.c spdm/spdm_session.c \
	spdm/spdm_vendor.c spdm/spdm_opaque.c spdm/spdm_chunk.c spdm/spdm_xfer.c \
	spdm/spdm_record.c spdm/spdm_crypto.c spdm/spdm_doe.c
# Devices are authenticated at boot by the TSM's connect (tsm/tsm_boot.c), the requester's
# only boot-time user.
