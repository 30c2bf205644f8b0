# tsm: device connect (session, evidence, IDE_KM), TDISP requester and TDI state machine.
srcs-y += tsm/tdisp.c tsm/report.c tsm/ide_km.c tsm/tdisp_req.c tsm/tdi.c tsm/ide.c tsm/ide_link.c \
	tsm/policy.c
srcs-y += tsm/connect.c tsm/evidence.c
# The boot unit (connect) runs in the images only.
image-srcs-y += tsm/tsm_boot.c
