# guest_abi: the evidence checker is guest code; the host build carries it for its unit test
# (tests/unit/test_evidence.c) and fuzz harness (tests/fuzz/fuzz_ev_meas.c).
host-srcs += guest_abi/lib/moat_evidence.c
