# tsm: device connect (session, evidence, IDE_KM), TDISP requester and TDI state machine.
srcs-y += tsm/tdisp.c tsm/report.c tsm/ide_km.c tsm/tdisp_req.c tsm/tdi.c tsm/ide.c tsm/policy.c
