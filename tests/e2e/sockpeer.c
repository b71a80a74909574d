// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A client that says what the socket API tells it about its peer, for the
 * local-client cases (tests/e2e/local.sh): the socket hooks must make
 * getpeername() and recvfrom() show the address the program used.
 *
 *   sockpeer tcp ADDR PORT          connect, print "peer=A:P", send an HTTP
 *                                   GET, print the reply's last line
 *   sockpeer udp ADDR PORT MSG      sendto (unconnected), recvfrom: print
 *                                   "from=A:P reply=..."
 *   sockpeer udp-connect ADDR PORT MSG
 *                                   connect, print "peer=A:P", send,
 *                                   recvfrom: "from=A:P reply=..."
 * Exit 0 when an answer came, 1 otherwise (message on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "sockpeer: %s: %s\n", what, strerror(errno));
	return 1;
}

static void print_addr(const char *label, const struct sockaddr_in *a)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
	printf("%s=%s:%u", label, buf, ntohs(a->sin_port));
}

static int print_peer(int fd)
{
	struct sockaddr_in p;
	socklen_t len = sizeof(p);

	if (getpeername(fd, (struct sockaddr *)&p, &len))
		return die("getpeername");
	print_addr("peer", &p);
	printf("\n");
	return 0;
}

static int tcp(const struct sockaddr_in *dst)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[4096], *last;
	size_t n = 0;
	ssize_t r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)dst, sizeof(*dst)))
		return die("connect");
	if (print_peer(fd))
		return 1;
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		return die("write");
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	last = strrchr(buf, '\n');
	printf("%s\n", last ? last + 1 : buf);
	return n ? 0 : 1;
}

static int udp(const struct sockaddr_in *dst, const char *msg, int connected)
{
	struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char buf[2048];
	ssize_t r;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connected) {
		if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)))
			return die("connect");
		if (print_peer(fd))
			return 1;
		r = send(fd, msg, strlen(msg), 0);
	} else {
		r = sendto(fd, msg, strlen(msg), 0, (const struct sockaddr *)dst, sizeof(*dst));
	}
	if (r < 0)
		return die("send");
	r = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
	if (r < 0)
		return die("recvfrom");
	buf[r] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	print_addr("from", &from);
	printf(" reply=%s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };

	if (argc < 4 || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: sockpeer tcp|udp|udp-connect IPV4 PORT [MSG]\n");
		return 2;
	}
	dst.sin_port = htons(atoi(argv[3]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "tcp"))
		return tcp(&dst);
	if (argc < 5)
		return 2;
	if (!strcmp(argv[1], "udp"))
		return udp(&dst, argv[4], 0);
	if (!strcmp(argv[1], "udp-connect"))
		return udp(&dst, argv[4], 1);
	return 2;
}
