// SPDX-License-Identifier: MIT
/*
 * /init of the Linux guest's initramfs (tests/system/scenarios/linux_arm64.py): a static
 * program with raw Linux arm64 system calls, no C library. It prints a marker, the kernel's
 * release and the CPUs Linux brought up, loads the modules listed in /etc/modules (in that
 * order: nvme and what it depends on), reads LBA 1 of /dev/nvme0n1 when there is one and
 * prints it, then powers the VM off (reboot(POWER_OFF): PSCI SYSTEM_OFF).
 */
#define SYS_MKDIRAT 34
#define SYS_MOUNT 40
#define SYS_OPENAT 56
#define SYS_CLOSE 57
#define SYS_READ 63
#define SYS_WRITE 64
#define SYS_PREAD64 67
#define SYS_EXIT 93
#define SYS_NANOSLEEP 101
#define SYS_REBOOT 142
#define SYS_UNAME 160
#define SYS_FINIT_MODULE 273
#define AT_FDCWD (-100)
#define O_RDONLY 0
#define REBOOT_MAGIC1 0xfee1dead
#define REBOOT_MAGIC2 0x28121969
#define REBOOT_POWER_OFF 0x4321fedc
#define NVME_WAIT_TENTHS 100 /* 10 s for the driver to probe and create the namespace */

typedef unsigned long ulong;

/* The compiler may call these for initializers and copies (no C library here). */
void *memset(void *d, int c, ulong n);
void *memcpy(void *d, const void *s, ulong n);

void *memset(void *d, int c, ulong n)
{
	volatile char *p = d;

	while (n--)
		*p++ = (char)c;
	return d;
}

void *memcpy(void *d, const void *s, ulong n)
{
	volatile char *p = d;
	const char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static long sys6(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}

static ulong len(const char *s)
{
	ulong n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys6(SYS_WRITE, 1, (long)s, (long)len(s), 0, 0);
}

static void say_num(long v)
{
	char b[24], *p = b + sizeof(b) - 1;
	int neg = v < 0;
	ulong u = neg ? (ulong)-v : (ulong)v;

	*p = 0;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	say(p);
}

static long open_ro(const char *path)
{
	return sys6(SYS_OPENAT, AT_FDCWD, (long)path, O_RDONLY, 0, 0);
}

/* Reads a small file into buf (NUL-terminated, trailing newline dropped); its length or < 0. */
static long read_file(const char *path, char *buf, ulong cap)
{
	long fd = open_ro(path), n;

	if (fd < 0)
		return fd;
	n = sys6(SYS_READ, fd, (long)buf, (long)cap - 1, 0, 0);
	sys6(SYS_CLOSE, fd, 0, 0, 0, 0);
	if (n < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
	return n;
}

static void sleep_tenth(void)
{
	long ts[2] = { 0, 100000000 };

	sys6(SYS_NANOSLEEP, (long)ts, 0, 0, 0, 0);
}

static void mounts(void)
{
	sys6(SYS_MKDIRAT, AT_FDCWD, (long)"/proc", 0555, 0, 0);
	sys6(SYS_MKDIRAT, AT_FDCWD, (long)"/sys", 0555, 0, 0);
	sys6(SYS_MKDIRAT, AT_FDCWD, (long)"/dev", 0755, 0, 0);
	sys6(SYS_MOUNT, (long)"proc", (long)"/proc", (long)"proc", 0, 0);
	sys6(SYS_MOUNT, (long)"sysfs", (long)"/sys", (long)"sysfs", 0, 0);
	sys6(SYS_MOUNT, (long)"devtmpfs", (long)"/dev", (long)"devtmpfs", 0, 0);
}

static void banner(void)
{
	char uts[6 * 65], cpus[64];

	say("moat-init: MOAT-LINUX-INIT-OK: /init is running as pid 1\n");
	if (sys6(SYS_UNAME, (long)uts, 0, 0, 0, 0) == 0) {
		say("moat-init: kernel ");
		say(uts + 2 * 65); /* release */
		say("\n");
	}
	if (read_file("/sys/devices/system/cpu/online", cpus, sizeof(cpus)) > 0) {
		say("moat-init: cpus online ");
		say(cpus);
		say("\n");
	}
}

static void load_module(const char *name)
{
	char path[96] = "/lib/modules/";
	ulong n = len(path), i = 0;
	long fd, err;

	while (name[i] && n < sizeof(path) - 1)
		path[n++] = name[i++];
	path[n] = 0;
	fd = open_ro(path);
	err = fd < 0 ? fd : sys6(SYS_FINIT_MODULE, fd, (long)"", 0, 0, 0);
	if (fd >= 0)
		sys6(SYS_CLOSE, fd, 0, 0, 0, 0);
	if (err < 0 && err != -17) { /* EEXIST: built in or loaded already */
		say("moat-init: module ");
		say(name);
		say(": error ");
		say_num(err);
		say("\n");
	}
}

/* /etc/modules: one file name per line, dependencies first (tools/mkinitramfs.py); how many. */
static int load_modules(void)
{
	static char list[2048];
	long n = read_file("/etc/modules", list, sizeof(list));
	char *p = list;
	int count = 0;

	for (long i = 0; i <= n && n > 0; i++) {
		if (list[i] != '\n' && list[i] != 0)
			continue;
		list[i] = 0;
		if (*p) {
			load_module(p);
			count++;
		}
		p = list + i + 1;
	}
	return count;
}

/* Prints LBA 1 of the first NVMe namespace as text (the test wrote a known string there). */
static void nvme_read(void)
{
	static char blk[512];
	long fd = -1, n;

	/* The controller's device exists once nvme.ko probed it; its namespaces come later. */
	if (read_file("/sys/class/nvme/nvme0/model", blk, sizeof(blk)) < 0) {
		say("moat-init: no nvme controller\n");
		return;
	}
	say("moat-init: nvme0: ");
	say(blk);
	say("\n");
	for (int t = 0; t < NVME_WAIT_TENTHS && fd < 0; t++) {
		fd = open_ro("/dev/nvme0n1");
		if (fd < 0)
			sleep_tenth();
	}
	if (fd < 0) {
		say("moat-init: no /dev/nvme0n1\n");
		return;
	}
	n = sys6(SYS_PREAD64, fd, (long)blk, sizeof(blk), 512, 0);
	sys6(SYS_CLOSE, fd, 0, 0, 0, 0);
	if (n != (long)sizeof(blk)) {
		say("moat-init: nvme0n1: read of LBA 1 failed: ");
		say_num(n);
		say("\n");
		return;
	}
	for (int i = 0; i < 64; i++)
		if (blk[i] < 0x20 || blk[i] > 0x7e)
			blk[i] = blk[i] ? '.' : 0;
	blk[64] = 0;
	say("moat-init: nvme0n1 LBA 1: ");
	say(blk);
	say("\n");
}

void init_main(void);
void init_main(void)
{
	mounts();
	banner();
	if (load_modules() > 0)
		nvme_read();
	say("moat-init: powering off\n");
	sys6(SYS_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWER_OFF, 0, 0);
	sys6(SYS_EXIT, 1, 0, 0, 0, 0);
	for (;;)
		;
}

/* The entry: the kernel starts pid 1 with sp at argc; nothing on the stack is needed. */
__asm__(".globl _start\n_start:\n\tmov x29, #0\n\tbl init_main\n\tb .\n");
