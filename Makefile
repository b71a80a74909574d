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
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the packager's (`make CFLAGS=...`
# replaces only them); what the build needs is in the WF_ variables.
CFLAGS	?= -O2 -g
WF_CFLAGS := -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
	   -DWSLFWD_VERSION='"$(VERSION)"' -Iinclude -Iuser -I$(OUT)
WF_LDLIBS := -lbpf -lelf -lz -lmnl -ljson-c
WF_LDFLAGS :=
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	   -I. -Iinclude -Ibpf -mcpu=v3
# Another libbpf than the system's: LIBBPF_DIR=DIR with DIR/include/bpf/*.h
# and DIR/lib64 or DIR/lib holding libbpf.so (`make -C src install
# PREFIX=DIR` in libbpf's tree). Headers, link and run-time path (rpath)
# all come from it.
ifneq ($(LIBBPF_DIR),)
LIBBPF_LIB := $(abspath $(if $(wildcard $(LIBBPF_DIR)/lib64/libbpf.so),$(LIBBPF_DIR)/lib64,$(LIBBPF_DIR)/lib))
WF_CFLAGS := -I$(LIBBPF_DIR)/include $(WF_CFLAGS)
BPF_CFLAGS := -I$(LIBBPF_DIR)/include $(BPF_CFLAGS)
WF_LDFLAGS += -L$(LIBBPF_LIB) -Wl,-rpath,$(LIBBPF_LIB)
endif
ALL_CFLAGS = $(CPPFLAGS) $(WF_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(WF_LDFLAGS) $(LDFLAGS)
ALL_LDLIBS = $(WF_LDLIBS) $(LDLIBS)

# Everything is rebuilt when the compilers or flags change (another
# LIBBPF_DIR, a packager's CFLAGS): $(FLAGS) holds the last ones used.
FLAGS	:= $(OUT)/.flags
FLAGS_NOW := $(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(ALL_LDLIBS) | $(CLANG) $(BPF_CFLAGS)
ifneq ($(FLAGS_NOW),$(file < $(FLAGS)))
$(shell mkdir -p $(OUT))
$(file > $(FLAGS),$(FLAGS_NOW))
endif

BPF_SRC	:= bpf/wslfwd.bpf.c
BPF_HDR	:= $(wildcard bpf/lib/*.h) include/wslfwd.h vmlinux.h
BPF_OBJ	:= $(OUT)/wslfwd.bpf.o
SKEL	:= $(OUT)/wslfwd.skel.h

USER_SRC := $(wildcard user/*.c)
USER_OBJ := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRC))
# Everything but main.o, for the test programs to link against.
LIB_OBJ	:= $(filter-out $(OUT)/user/main.o,$(USER_OBJ))

TEST_BINS := $(OUT)/tests/test_packet $(OUT)/tests/test_user $(OUT)/tests/test_wsl \
	     $(OUT)/tests/test_output $(OUT)/tests/test_docs $(OUT)/tests/sockpeer \
	     $(OUT)/tests/synflood

.PHONY: all clean vmlinux deps demo test fuzz bench install uninstall help tests
all: wslfwd

$(OUT) $(OUT)/user $(OUT)/tests $(OUT)/bench:
	@mkdir -p $@

$(OUT)/wslfwd.tmp.o: $(BPF_SRC) $(BPF_HDR) $(FLAGS) | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OBJ): $(OUT)/wslfwd.tmp.o
	$(BPFTOOL) gen object $@ $<

$(SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name wslfwd_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/user/%.o: user/%.c $(wildcard user/*.h) include/wslfwd.h $(SKEL) $(FLAGS) | $(OUT)/user
	$(CC) $(ALL_CFLAGS) -c $< -o $@

wslfwd: $(USER_OBJ)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $^ $(ALL_LDLIBS) -o $@

$(OUT)/tests/test_packet: tests/packet/test_packet.c $(wildcard tests/packet/*.h) $(LIB_OBJ) $(SKEL) \
			  $(OUT)/tests/vlan_meta.skel.h | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) -Itests/packet $(ALL_LDFLAGS) $< $(LIB_OBJ) $(ALL_LDLIBS) -o $@

# Test-only: a VLAN tag in skb metadata ahead of the tc programs.
$(OUT)/tests/vlan_meta.bpf.o: tests/packet/vlan_meta.bpf.c vmlinux.h $(FLAGS) | $(OUT)/tests
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o && $(BPFTOOL) gen object $@ $@.tmp.o

$(OUT)/tests/vlan_meta.skel.h: $(OUT)/tests/vlan_meta.bpf.o
	$(BPFTOOL) gen skeleton $< name vlan_meta_bpf > $@.tmp && mv $@.tmp $@

# BPF_PROG_RUN cost per packet; run through bench/prog_run.sh.
$(OUT)/bench/prog_run: bench/prog_run.c tests/packet/pkt.h tests/packet/skel.h $(LIB_OBJ) $(SKEL) | $(OUT)/bench
	$(CC) $(ALL_CFLAGS) -Itests/packet $(ALL_LDFLAGS) $< $(LIB_OBJ) $(ALL_LDLIBS) -o $@

$(OUT)/tests/test_user: tests/unit/test_user.c tests/unit/tap.h $(LIB_OBJ) | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIB_OBJ) $(ALL_LDLIBS) -o $@

# A client reporting getpeername()/recvfrom() addresses (tests/e2e/local.sh).
$(OUT)/tests/sockpeer: tests/e2e/sockpeer.c $(FLAGS) | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< -o $@

# Formats other programs read: stats --prometheus, libbpf's log lines.
$(OUT)/tests/test_output: tests/unit/test_output.c tests/unit/tap.h $(LIB_OBJ) | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIB_OBJ) $(ALL_LDLIBS) -o $@

# --help, the completion and the man page against the option tables.
$(OUT)/tests/test_docs: tests/unit/test_docs.c tests/unit/tap.h $(LIB_OBJ) | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIB_OBJ) $(ALL_LDLIBS) -o $@

# Raw-socket SYN sender for the flood case (tests/e2e/conntrack.sh).
$(OUT)/tests/synflood: tests/e2e/synflood.c $(FLAGS) | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< -o $@

$(OUT)/tests/test_wsl: tests/unit/test_wsl.c tests/unit/tap.h $(LIB_OBJ) | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIB_OBJ) $(ALL_LDLIBS) -o $@

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

# The packet suite with a long fuzz run (tests/packet/fuzz.h; `make test`
# runs 200000 packets). WF_FUZZ_SEED=N replays a run's "# fuzz seed N".
FUZZ	?= 1000000
fuzz: deps
	$(MAKE) tests
	WF_FUZZ=$(FUZZ) WF_FUZZ_SEED=$(WF_FUZZ_SEED) WF_PACKET_TIMEOUT=$$((300 + $(FUZZ) / 1000)) \
		bash tests/packet/run.sh

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
	@echo "sudo make fuzz  packet suite + $(FUZZ) random frames; WF_FUZZ_SEED=N replays a run"
	@echo "sudo make bench wslfwd vs routing, nftables, socat; QUICK=1 for a short run"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make vmlinux    regenerate vmlinux.h from this kernel's BTF"
