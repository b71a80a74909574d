// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synflood DST PORT RATE SECONDS: TCP SYNs from this namespace's own
 * address (the kernel fills it in) with a new source port and ISN each, at
 * RATE a second for SECONDS, through a raw socket (tests/e2e/conntrack.sh;
 * the case drops the sender's RSTs, so the SYNs never complete). Prints
 * the number sent. Only ever sends to DST, an address of a test namespace.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint16_t csum(const void *p, size_t n, uint32_t sum)
{
	const uint16_t *w = p;

	for (; n > 1; n -= 2)
		sum += *w++;
	if (n)
		sum += *(const uint8_t *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET }, src;
	socklen_t sl = sizeof(src);
	struct tcphdr th;
	uint64_t t0, sent = 0, rate, secs, due;
	uint32_t seed = getpid(), pseudo;
	int fd, probe;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: synflood DST PORT RATE SECONDS\n");
		return 2;
	}
	rate = strtoull(argv[3], NULL, 10);
	secs = strtoull(argv[4], NULL, 10);
	/* our source address towards DST, for the pseudo header */
	probe = socket(AF_INET, SOCK_DGRAM, 0);
	dst.sin_port = htons(9);
	if (probe < 0 || connect(probe, (void *)&dst, sizeof(dst)) ||
	    getsockname(probe, (void *)&src, &sl)) {
		perror("synflood: source address");
		return 1;
	}
	close(probe);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		perror("synflood: raw socket");
		return 1;
	}
	t0 = now_ns();
	while (now_ns() - t0 < secs * 1000000000ull) {
		struct {
			uint32_t s, d;
			uint8_t z, p;
			uint16_t l;
			struct tcphdr t;
		} ph;

		due = (now_ns() - t0) * rate / 1000000000ull;
		if (sent >= due)
			continue;
		memset(&th, 0, sizeof(th));
		seed = seed * 1103515245 + 12345;
		th.source = htons(1024 + (seed >> 8) % 64000);
		th.dest = htons(atoi(argv[2]));
		th.seq = htonl(seed);
		th.doff = 5;
		th.syn = 1;
		th.window = htons(64240);
		ph.s = src.sin_addr.s_addr;
		ph.d = dst.sin_addr.s_addr;
		ph.z = 0;
		ph.p = IPPROTO_TCP;
		ph.l = htons(sizeof(th));
		ph.t = th;
		pseudo = 0;
		th.check = csum(&ph, sizeof(ph), pseudo);
		if (sendto(fd, &th, sizeof(th), 0, (void *)&dst, sizeof(dst)) == sizeof(th))
			sent++;
	}
	printf("%llu\n", (unsigned long long)sent);
	return 0;
}
