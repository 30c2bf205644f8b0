# Self-tests that need a running hypervisor on QEMU (moat.selftest=fault|wx|smmuv3|vtd|vtd-nvme|amdvi|amdvi-nvme,
# moat.tsm.selftest): linked into the test images only (Image-test / moat-test.elf, see
# mk/arm64.mk and mk/x86_64.mk), never into the production images.
selftest-srcs-y += tests/selftest/smmuv3_edu.c tests/selftest/tsm_flow.c tests/selftest/vtd_edu.c \
	tests/selftest/vtd_nvme.c tests/selftest/amdvi_edu.c \
	tests/selftest/amdvi_nvme.c tests/selftest/nvme_run.c tests/selftest/edu.c

