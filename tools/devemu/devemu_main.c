// SPDX-License-Identifier: MIT
/*
 * devemu: listens on 127.0.0.1:PORT for QEMU's spdm-socket (nvme spdm_port=PORT) and answers
 * each forwarded DOE object. Framing (QEMU backends/spdm-socket.c, DMTF spdm-emu): every frame
 * is u32 command, u32 transport, u32 length, all big-endian, then the payload; NORMAL (1)
 * carries a whole DOE object, TEST (0xdead) is echoed, SHUTDOWN (0xfffe) ends the client.
 *
 *   devemu --port N --pki DIR [--fault NAME] [--spdm 1.2,1.3] [--sm 1.0,1.1,1.2]
 *          [--hash 256|384|512] [--dts N] [--chunk] [--leaf NAME] [--strict] [--verbose]
 *
 * --leaf NAME serves the PKI's leaf variant NAME (tools/devemu/mkpki.sh: expired, future,
 * reqeku, rspeku) under the usual root and intermediate.
 *
 * --strict behaves like DMTF's spdm_responder_emu: a client that closes the connection without
 * the SHUTDOWN command is an error, and devemu exits (status 3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <unistd.h>

#include "devemu.h"

#define CMD_NORMAL 0x0001
#define CMD_SHUTDOWN 0xfffe
#define CMD_UNKNOWN 0xffff
#define CMD_TEST 0xdead
#define TRANSPORT_PCI_DOE 0x02
#define FRAME_MAX 0x1200 /* QEMU's SPDM_SOCKET_MAX_MESSAGE_BUFFER_SIZE */

static int verbose, strict;

struct args {
	int port;
	const char *pki;
	enum devemu_fault fault;
};

static int read_full(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = read(fd, b, n);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(int fd, uint32_t cmd, const uint8_t *p, size_t n)
{
	uint32_t hdr[3] = { htonl(cmd), htonl(TRANSPORT_PCI_DOE), htonl((uint32_t)n) };

	return write_full(fd, hdr, sizeof(hdr)) || write_full(fd, p, n) ? -1 : 0;
}

/* Serves one client; returns whether it ended with SHUTDOWN. */
static bool serve(int fd, struct devemu *d)
{
	static uint8_t in[FRAME_MAX * 4], out[FRAME_MAX];
	uint32_t hdr[3];
	size_t olen;

	devemu_reset(d);
	while (!read_full(fd, hdr, sizeof(hdr))) {
		uint32_t cmd = ntohl(hdr[0]), len = ntohl(hdr[2]);
		if (len > sizeof(in) || read_full(fd, in, len))
			return false;
		if (verbose)
			fprintf(stderr, "devemu: cmd 0x%x len %u type %u\n", cmd, len,
				len > 2 ? in[2] : 0);
		if (cmd == CMD_TEST) {
			if (send_frame(fd, CMD_TEST, in, len))
				return false;
		} else if (cmd == CMD_SHUTDOWN) {
			send_frame(fd, CMD_SHUTDOWN, NULL, 0);
			return true;
		} else if (cmd != CMD_NORMAL) {
			if (send_frame(fd, CMD_UNKNOWN, NULL, 0))
				return false;
		} else if (devemu_doe(d, in, len, out, sizeof(out), &olen) ||
			   send_frame(fd, CMD_NORMAL, out, olen)) {
			return false;
		}
	}
	return false;
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		perror("devemu: listen");
		return -1;
	}
	return fd;
}

static int usage(void)
{
	fprintf(stderr, "usage: devemu --port N --pki DIR [--fault NAME] [--spdm 1.2,1.3] "
			"[--sm 1.0,1.1,1.2] [--hash 256|384|512] [--dts N] [--chunk] [--leaf NAME] "
			"[--strict] [--verbose]\nfaults:");
	for (unsigned i = 0; i < DEVEMU_FAULT__COUNT; i++)
		fprintf(stderr, " %s", devemu_fault_name((enum devemu_fault)i));
	fprintf(stderr, "\n");
	return 2;
}

/* One option at argv[*i] into `d`, `a`; -1 for a bad one. */
static int parse_opt(int argc, char **argv, int *i, struct devemu *d, struct args *a)
{
	const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(o, "--chunk") || !strcmp(o, "--strict") || !strcmp(o, "--verbose")) {
		d->opt.chunk |= !strcmp(o, "--chunk");
		strict |= !strcmp(o, "--strict");
		verbose |= !strcmp(o, "--verbose");
		return 0;
	}
	if (!v)
		return -1;
	++*i;
	if (!strcmp(o, "--port"))
		return (a->port = atoi(v)) > 0 && a->port <= 65535 ? 0 : -1;
	if (!strcmp(o, "--pki"))
		return (a->pki = v), 0;
	if (!strcmp(o, "--fault"))
		return devemu_fault_parse(v, &a->fault);
	if (!strcmp(o, "--spdm"))
		return devemu_versions_parse(v, &d->opt.spdm);
	if (!strcmp(o, "--sm"))
		return devemu_versions_parse(v, &d->opt.sm);
	if (!strcmp(o, "--leaf"))
		return (d->opt.leaf = v), 0;
	if (!strcmp(o, "--hash")) {
		d->opt.hash = (unsigned)atoi(v);
		return d->opt.hash == 256 || d->opt.hash == 384 || d->opt.hash == 512 ? 0 : -1;
	}
	if (!strcmp(o, "--dts")) {
		d->opt.dts = (uint32_t)atoi(v);
		return d->opt.dts >= 42 && d->opt.dts <= DEVEMU_MSG_MAX ? 0 : -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static struct devemu d;
	struct args a = { 0 };
	int lfd;

	for (int i = 1; i < argc; i++)
		if (parse_opt(argc, argv, &i, &d, &a))
			return usage();
	if (!a.port || !a.pki)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	if (devemu_init(&d, a.pki, a.fault)) {
		fprintf(stderr, "devemu: cannot load the PKI from %s\n", a.pki);
		return 1;
	}
	if ((lfd = listen_on(a.port)) < 0)
		return 1;
	fprintf(stderr, "devemu: listening on 127.0.0.1:%d (fault %s)\n", a.port,
		devemu_fault_name(a.fault));
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("devemu: accept");
			return 1;
		}
		bool clean = serve(fd, &d);
		close(fd);
		if (strict && !clean) {
			fprintf(stderr, "devemu: client closed the connection without SHUTDOWN\n");
			return 3;
		}
	}
}
