// SPDX-License-Identifier: MIT
/*
 * UEFI entry (UEFI 2.10; GNU-EFI's crt0 applies our relocations and calls efi_main). Moat reads
 * its configuration, a device-tree blob at \EFI\moat\moat.dtb, and every file it names from the
 * partition it was loaded from, finds the ACPI (or DT) tables, takes the memory map, exits boot
 * services and hands the same struct boot_info as the direct paths to the arch code.
 *
 * Files named by the configuration: every string property whose name ends in "-module" (for
 * example kernel-module = "guest.img", the convention of vmm/config.h) names a file relative
 * to \EFI\moat\ (or absolute when it starts with '/' or '\'); each becomes a boot module named
 * by that string.
 */
#define LOG_COMPONENT "efi"
#include "boot/efi_arch.h"

#include <arch/cpu.h>
#include <efi.h>
#include <libfdt.h>
#include <string.h>

#include "core/boot_info.h"
#include "core/dt_check.h"
#include "core/log.h"
#include "lib/err.h"

#define EFI_MOAT_DIR "\\EFI\\moat\\"
#define EFI_CONFIG_NAME "moat.dtb"
#define EFI_CONFIG_MAX (1U << 20)
#define EFI_MODULE_MAX (256U << 20)
#define EFI_PATH_MAX 128

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;
static struct boot_info efi_bi;

static EFI_GUID guid_loaded_image = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID guid_sfs = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID guid_file_info = EFI_FILE_INFO_ID;
static EFI_GUID guid_acpi20 = ACPI_20_TABLE_GUID;
static EFI_GUID guid_acpi10 = ACPI_TABLE_GUID;
static EFI_GUID guid_dtb = EFI_DTB_TABLE_GUID;

/* Until ExitBootServices the log goes to the firmware console, in order and at once. */
static void efi_con_write(const char *s, size_t len)
{
	CHAR16 buf[65];
	unsigned n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf[n++] = '\r';
		buf[n++] = (CHAR16)(u8)s[i];
		if (n >= ARRAY_SIZE(buf) - 2 || i + 1 == len) {
			buf[n] = 0;
			uefi_call_wrapper(st->ConOut->OutputString, 2, st->ConOut, buf);
			n = 0;
		}
	}
}

static bool guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void efi_find_tables(struct boot_info *bi)
{
	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
		u64 at = (u64)(uintptr_t)t->VendorTable;
		if (guid_eq(&t->VendorGuid, &guid_acpi20))
			bi->rsdp = pa(at);
		else if (guid_eq(&t->VendorGuid, &guid_acpi10) && !bi->rsdp.v)
			bi->rsdp = pa(at);
		else if (guid_eq(&t->VendorGuid, &guid_dtb) &&
			 fdt_check_header(t->VendorTable) == 0) {
			bi->fdt = pa(at);
			bi->fdt_size = fdt_totalsize(t->VendorTable);
		}
	}
}

/* "\EFI\moat\" + name, or name alone if absolute; '/' becomes '\'. */
static int efi_path(const char *name, CHAR16 *out, size_t max)
{
	size_t n = 0;
	const char *pre = (name[0] == '/' || name[0] == '\\') ? "" : EFI_MOAT_DIR;

	for (const char *s = pre; *s; s++)
		out[n++] = (CHAR16)*s;
	for (const char *s = name; *s; s++) {
		if (n + 1 >= max || (u8)*s < 0x20 || (u8)*s > 0x7e)
			return -E_INVAL;
		out[n++] = *s == '/' ? '\\' : (CHAR16)*s;
	}
	out[n] = 0;
	return 0;
}

/*
 * The image's load options (UCS-2, e.g. from the UEFI shell or a Boot#### entry) become the
 * command line, but only when they are printable ASCII text: boot managers may pass binary
 * optional data there.
 */
static void efi_cmdline(EFI_HANDLE image, struct boot_info *bi)
{
	EFI_LOADED_IMAGE *li;
	const CHAR16 *o;
	UINT32 n;

	if (uefi_call_wrapper(bs->HandleProtocol, 3, image, &guid_loaded_image, (void **)&li) ||
	    !li->LoadOptions || li->LoadOptionsSize % 2)
		return;
	o = li->LoadOptions;
	n = li->LoadOptionsSize / 2;
	if (n >= sizeof(bi->cmdline))
		return;
	for (UINT32 i = 0; i < n && o[i]; i++)
		if (o[i] < 0x20 || o[i] > 0x7e)
			return;
	for (UINT32 i = 0; i < n && o[i]; i++)
		bi->cmdline[i] = (char)o[i];
}

static EFI_FILE_HANDLE efi_root(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_FILE_HANDLE root;

	if (uefi_call_wrapper(bs->HandleProtocol, 3, image, &guid_loaded_image, (void **)&li) ||
	    uefi_call_wrapper(bs->HandleProtocol, 3, li->DeviceHandle, &guid_sfs, (void **)&fs) ||
	    uefi_call_wrapper(fs->OpenVolume, 2, fs, &root))
		return NULL;
	return root;
}

static int efi_file_size(EFI_FILE_HANDLE f, u64 *size)
{
	union {
		EFI_FILE_INFO info;
		u8 raw[sizeof(EFI_FILE_INFO) + 2 * EFI_PATH_MAX];
	} u;
	UINTN n = sizeof(u);

	if (uefi_call_wrapper(f->GetInfo, 4, f, &guid_file_info, &n, &u.info))
		return -E_IO;
	*size = u.info.FileSize;
	return 0;
}

/* Reads a whole file into pages of LoaderData; -E_NOENT when it does not exist. */
static int efi_read_file(EFI_FILE_HANDLE root, const char *name, u64 max, paddr_t *at, u64 *size)
{
	CHAR16 path[EFI_PATH_MAX];
	EFI_FILE_HANDLE f;
	EFI_PHYSICAL_ADDRESS buf;
	UINTN n;
	int err;

	if ((err = efi_path(name, path, ARRAY_SIZE(path))))
		return err;
	if (uefi_call_wrapper(root->Open, 5, root, &f, path, EFI_FILE_MODE_READ, 0))
		return -E_NOENT;
	err = efi_file_size(f, size);
	if (!err && (!*size || *size > max))
		err = -E_RANGE;
	if (!err && uefi_call_wrapper(bs->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
				      (*size + PAGE_SIZE - 1) >> PAGE_SHIFT, &buf))
		err = -E_NOMEM;
	n = (UINTN)*size;
	if (!err && (uefi_call_wrapper(f->Read, 3, f, &n, (void *)(uintptr_t)buf) || n != *size))
		err = -E_IO;
	uefi_call_wrapper(f->Close, 1, f);
	if (!err)
		*at = pa(buf);
	return err;
}

static int efi_load_module(EFI_FILE_HANDLE root, struct boot_info *bi, const char *name)
{
	struct boot_module *m;
	int err;

	if (bi->nmodules >= BOOT_MAX_MODULES || strlen(name) >= sizeof(m->name))
		return -E_NOSPC;
	m = &bi->modules[bi->nmodules];
	if ((err = efi_read_file(root, name, EFI_MODULE_MAX, &m->base, &m->size)))
		return err;
	memcpy(m->name, name, strlen(name) + 1);
	bi->nmodules++;
	pr_info("loaded %s (%llu bytes)", name, (unsigned long long)m->size);
	return 0;
}

static bool efi_is_module_prop(const char *pname, const char *val, int len)
{
	size_t n = strlen(pname);

	return n > 7 && !strcmp(pname + n - 7, "-module") && len > 1 &&
	       strnlen(val, (size_t)len) == (size_t)len - 1;
}

/* Loads every file the configuration names; the blob is untrusted and checked whole first. */
static int efi_load_modules(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	const void *fdt = (const void *)(uintptr_t)bi->config.v;
	int node = -1, depth = 0, err;

	const char *why;

	err = dt_check_blob(fdt, bi->config_size, &why);
	if (err) {
		pr_err("%s%s is not a valid device tree: %s", EFI_MOAT_DIR, EFI_CONFIG_NAME, why);
		return err;
	}
	while ((node = fdt_next_node(fdt, node, &depth)) >= 0) {
		int prop, len;
		fdt_for_each_property_offset (prop, fdt, node) {
			const char *pname;
			const char *val = fdt_getprop_by_offset(fdt, prop, &pname, &len);
			if (!val || !efi_is_module_prop(pname, val, len))
				continue;
			if ((err = efi_load_module(root, bi, val))) {
				pr_err("cannot load %s named by %s: %s", val, pname, err_str(err));
				return err;
			}
		}
	}
	return 0;
}

static int efi_load_config(EFI_HANDLE image, struct boot_info *bi)
{
	EFI_FILE_HANDLE root = efi_root(image);
	int err;

	if (!root) {
		pr_warn("no file system on the boot device: no configuration");
		return 0;
	}
	err = efi_read_file(root, EFI_CONFIG_NAME, EFI_CONFIG_MAX, &bi->config, &bi->config_size);
	if (err == -E_NOENT) {
		pr_warn("no %s%s: running without a configuration", EFI_MOAT_DIR, EFI_CONFIG_NAME);
		err = 0;
	} else if (!err) {
		pr_info("loaded %s%s (%llu bytes)", EFI_MOAT_DIR, EFI_CONFIG_NAME,
			(unsigned long long)bi->config_size);
		err = efi_load_modules(root, bi);
	}
	uefi_call_wrapper(root->Close, 1, root);
	return err;
}

/* UEFI 2.10 7.2: memory types Moat may reuse after ExitBootServices, and those it must keep. */
static void efi_add_mem(struct boot_info *bi, const EFI_MEMORY_DESCRIPTOR *d)
{
	enum boot_mem_kind kind;

	switch (d->Type) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiConventionalMemory: kind = BOOT_MEM_RAM; break;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS: kind = BOOT_MEM_KEEP; break;
	default: return;
	}
	/* A range whose size in bytes does not fit 64 bits is not a memory range. */
	if (d->NumberOfPages > (~0ULL >> PAGE_SHIFT) ||
	    boot_info_add_mem(bi, pa(d->PhysicalStart), d->NumberOfPages << PAGE_SHIFT, kind))
		bi->mem_dropped = true;
}

/* Takes the memory map and exits boot services; retried once if the map changed meanwhile. */
static int efi_exit(EFI_HANDLE image, struct boot_info *bi)
{
	UINTN size = 0, key, dsize;
	UINT32 dver;
	u8 *map = NULL;
	EFI_STATUS s;

	s = uefi_call_wrapper(bs->GetMemoryMap, 5, &size, NULL, &key, &dsize, &dver);
	if (s != EFI_BUFFER_TOO_SMALL || dsize < sizeof(EFI_MEMORY_DESCRIPTOR))
		return -E_IO;
	size += 16 * dsize; /* room for the pool allocation's own descriptors */
	UINTN cap = size;
	if (uefi_call_wrapper(bs->AllocatePool, 3, EfiLoaderData, cap, (void **)&map))
		return -E_NOMEM;
	for (int tries = 0; tries < 2; tries++) {
		size = cap;
		if (uefi_call_wrapper(bs->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)map,
				      &key, &dsize, &dver) ||
		    dsize < sizeof(EFI_MEMORY_DESCRIPTOR))
			return -E_IO;
		s = uefi_call_wrapper(bs->ExitBootServices, 2, image, key);
		if (s == EFI_SUCCESS)
			break;
	}
	if (s != EFI_SUCCESS)
		return -E_IO;
	/* No boot services from here: only the map buffer we own. */
	for (UINTN off = 0; off + dsize <= size; off += dsize)
		efi_add_mem(bi, (const EFI_MEMORY_DESCRIPTOR *)(map + off));
	return 0;
}

static EFI_STATUS efi_run(EFI_HANDLE image)
{
	struct boot_info *bi = &efi_bi;
	int err;

	bi->path = BOOT_UEFI;
	if (efi_arch_check()) {
		pr_err("not entered at EL2 (QEMU needs virtualization=on)");
		return EFI_UNSUPPORTED;
	}
	efi_find_tables(bi);
	efi_cmdline(image, bi);
	if (!bi->rsdp.v && !bi->fdt.v) {
		pr_err("firmware provides neither ACPI nor a device tree");
		return EFI_UNSUPPORTED;
	}
	if ((err = efi_load_config(image, bi))) {
		pr_err("cannot load the configuration or a file it names: %s; not starting",
		       err_str(err));
		return EFI_LOAD_ERROR;
	}
	/* Moat's own console takes over after the hand-over; buffer until then. */
	log_set_sink(NULL);
	if ((err = efi_exit(image, bi))) {
		/* Boot services may be gone: nothing can be printed; stop. */
		arch_halt(false);
	}
	efi_arch_handover(bi);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

__attribute__((no_stack_protector)) EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	st = systab;
	bs = systab->BootServices;
	efi_arch_early();
	log_set_sink(efi_con_write);
	return efi_run(image);
}
