# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wslfwd: BPF objects -> bpftool skeletons -> one binary linked against the
# system libbpf. `make help` lists the targets.

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
CLANG	?= clang
BPFTOOL	?= bpftool
ARCH	:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/')
VERSION	:= $(shell cat VERSION 2>/dev/null || echo 0.1.0)

OUT	:= build
CFLAGS	?= -O2 -g
CFLAGS	+= -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
	   -DWSLFWD_VERSION='"$(VERSION)"' -Iinclude -Iuser -I$(OUT)
LDLIBS	+= -lbpf -lelf -lz -lmnl -ljson-c
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	   -I. -Iinclude -Ibpf -mcpu=v3

BPF_SRC	:= bpf/wslfwd.bpf.c
BPF_HDR	:= $(wildcard bpf/lib/*.h) include/wslfwd.h vmlinux.h
BPF_OBJ	:= $(OUT)/wslfwd.bpf.o
SKEL	:= $(OUT)/wslfwd.skel.h

USER_SRC := $(wildcard user/*.c)
USER_OBJ := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRC))
# Everything but main.o, for the test programs to link against.
LIB_OBJ	:= $(filter-out $(OUT)/user/main.o,$(USER_OBJ))

TEST_BINS := $(OUT)/tests/test_packet $(OUT)/tests/test_user $(OUT)/tests/test_wsl \
	     $(OUT)/tests/sockpeer

.PHONY: all clean vmlinux deps demo test bench install uninstall help tests
all: wslfwd

$(OUT) $(OUT)/user $(OUT)/tests $(OUT)/bench:
	@mkdir -p $@

$(OUT)/wslfwd.tmp.o: $(BPF_SRC) $(BPF_HDR) | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OBJ): $(OUT)/wslfwd.tmp.o
	$(BPFTOOL) gen object $@ $<

$(SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name wslfwd_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/user/%.o: user/%.c $(wildcard user/*.h) include/wslfwd.h $(SKEL) | $(OUT)/user
	$(CC) $(CFLAGS) -c $< -o $@

wslfwd: $(USER_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/test_packet: tests/packet/test_packet.c $(wildcard tests/packet/*.h) $(LIB_OBJ) $(SKEL) \
			  $(OUT)/tests/vlan_meta.skel.h | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/packet $< $(LIB_OBJ) $(LDLIBS) -o $@

# Test-only: a VLAN tag in skb metadata ahead of the tc programs.
$(OUT)/tests/vlan_meta.bpf.o: tests/packet/vlan_meta.bpf.c vmlinux.h | $(OUT)/tests
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o && $(BPFTOOL) gen object $@ $@.tmp.o

$(OUT)/tests/vlan_meta.skel.h: $(OUT)/tests/vlan_meta.bpf.o
	$(BPFTOOL) gen skeleton $< name vlan_meta_bpf > $@.tmp && mv $@.tmp $@

# BPF_PROG_RUN cost per packet; run through bench/prog_run.sh.
$(OUT)/bench/prog_run: bench/prog_run.c tests/packet/pkt.h $(LIB_OBJ) $(SKEL) | $(OUT)/bench
	$(CC) $(CFLAGS) -Itests/packet $< $(LIB_OBJ) $(LDLIBS) -o $@

$(OUT)/tests/test_user: tests/unit/test_user.c tests/unit/tap.h $(LIB_OBJ) | $(OUT)/tests
	$(CC) $(CFLAGS) $< $(LIB_OBJ) $(LDLIBS) -o $@

# A client reporting getpeername()/recvfrom() addresses (tests/e2e/local.sh).
$(OUT)/tests/sockpeer: tests/e2e/sockpeer.c | $(OUT)/tests
	$(CC) $(CFLAGS) $< -o $@

$(OUT)/tests/test_wsl: tests/unit/test_wsl.c tests/unit/tap.h $(LIB_OBJ) | $(OUT)/tests
	$(CC) $(CFLAGS) $< $(LIB_OBJ) $(LDLIBS) -o $@

tests: wslfwd $(TEST_BINS)

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

deps:
	@sh tests/deps.sh

demo: deps
	$(MAKE) all
	bash tests/demo.sh

test: deps
	$(MAKE) tests
	bash tests/run.sh

# The benchmark (bench/bench.sh); QUICK=1 for a short run. prog_run is
# optional: without it the BPF_PROG_RUN rows say "not measured".
bench: deps
	@sh bench/deps.sh
	$(MAKE) all
	-$(MAKE) $(OUT)/bench/prog_run
	QUICK=$(QUICK) bash bench/bench.sh

install: wslfwd
	install -D -m 0755 wslfwd $(DESTDIR)$(PREFIX)/sbin/wslfwd
	install -D -m 0644 man/wslfwd.8 $(DESTDIR)$(PREFIX)/share/man/man8/wslfwd.8
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' dist/wslfwd.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/wslfwd.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/wslfwd.service
	install -D -m 0644 dist/wslfwd.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/wslfwd

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/wslfwd $(DESTDIR)$(PREFIX)/share/man/man8/wslfwd.8
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/wslfwd.service \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/wslfwd

clean:
	rm -rf $(OUT) wslfwd

help:
	@echo "make            build ./wslfwd"
	@echo "make deps       install missing build/run dependencies with apt"
	@echo "sudo make demo  WSL-like demo in namespaces, traffic through wslfwd"
	@echo "sudo make test  every test suite; last line 'N passed, N failed'"
	@echo "sudo make bench wslfwd vs routing, nftables, socat; QUICK=1 for a short run"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make vmlinux    regenerate vmlinux.h from this kernel's BTF"
