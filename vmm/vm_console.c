// SPDX-License-Identifier: MIT
/*
 * Guest console output on Moat's console: whole lines, each prefixed with the VM's name
 * ("[guest0] ..."), so that several VMs on several CPUs stay readable. Guest bytes are
 * untrusted: control characters other than newline and tab are shown as '?'.
 */
#include "vmm/hypercall.h"
#include "core/log.h"
#include "lib/lock.h"

static struct spinlock con_lock = SPINLOCK_INIT;

static void con_acquire(void)
{
	spin_lock(&con_lock);
}

static void con_release(void)
{
	spin_unlock(&con_lock);
}

static void con_flush(struct vm *vm)
{
	log_raw("[%s] %.*s\n", vm->name, (int)vm->con_len, vm->con_line);
	vm->con_len = 0;
}

static void con_putc(struct vm *vm, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		con_flush(vm);
		return;
	}
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		c = '?';
	vm->con_line[vm->con_len++] = c;
	if (vm->con_len == sizeof(vm->con_line))
		con_flush(vm);
}

void vm_console_write(struct vm *vm, const char *s, size_t len)
{
	con_acquire();
	for (size_t i = 0; i < len; i++)
		con_putc(vm, s[i]);
	con_release();
}

void vm_console_flush(struct vm *vm)
{
	con_acquire();
	if (vm->con_len)
		con_flush(vm);
	con_release();
}
