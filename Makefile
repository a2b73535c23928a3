# SPDX-License-Identifier: GPL-2.0
#
# ktun top-level build.
#   make              module (against KDIR) and user-space programs
#   make check        everything, then every test in a QEMU VM (Debian 6.12)
#   make check-debug  every test on a debug build of that kernel (KASAN,
#                     lockdep, kmemleak, UBSAN; built once, cached in BUILD)
#   make demo         the demo in the VM
#   make bench        ktun beside plain TCP, IPsec, WireGuard and stunnel,
#                     in the VM under -icount (build/bench/results.md)
#   make deps         install build and test dependencies (apt-get, as root)
#
# KDIR defaults to the running kernel's build tree, or else the newest
# installed Debian 6.12 headers.  The VM targets always build against the
# kernel they boot (VM_KREL).

# Kbuild reads ./Kbuild, not this file.

TOP := $(CURDIR)
BUILD ?= $(TOP)/build
KREL_HOST := $(shell uname -r)
VM_KREL ?= $(shell ls -d /lib/modules/6.12.*+deb12-amd64/build 2>/dev/null | \
	sed 's|/lib/modules/||; s|/build||' | sort -V | tail -n 1)
KDIR ?= $(if $(wildcard /lib/modules/$(KREL_HOST)/build),/lib/modules/$(KREL_HOST)/build,/lib/modules/$(VM_KREL)/build)
KSRC ?= /usr/src/linux-source-6.12

CC ?= gcc
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
	  -I$(TOP)/include/uapi -I$(TOP)/userspace/lib
LDLIBS_MNL := -lmnl
# tls.c locks (ktund's workers share one configuration): -pthread
LDLIBS_TLS := -lmbedtls -lmbedx509 -lmbedcrypto -pthread

LIB_SRC := userspace/lib/ktnl.c userspace/lib/ktun_msg.c
KTUN_SRC := $(wildcard userspace/ktun/*.c) $(LIB_SRC) userspace/lib/cli.c
KTUN_HDR := $(wildcard userspace/ktun/*.h userspace/lib/*.h) include/uapi/linux/ktun.h

SELFTEST_CFLAGS := $(CFLAGS) -isystem $(KSRC)/tools/testing/selftests -I$(TOP)/selftests
SELFTEST_BINS := $(BUILD)/selftests/policy_nl $(BUILD)/selftests/nl_fuzz \
		 $(BUILD)/selftests/tls_peer $(BUILD)/selftests/tls_tap \
		 $(BUILD)/selftests/xfer $(BUILD)/selftests/gate_probe \
		 $(BUILD)/selftests/rds_xfer $(BUILD)/selftests/kcm_xfer \
		 $(BUILD)/selftests/hostile $(BUILD)/bench/netbench $(BUILD)/bench/hs_engine
KTUND_TLS := userspace/ktund/tls.c userspace/ktund/tls.h

.PHONY: all module userspace selftests deps check check-debug check-static demo vm-shell bench \
	checkpatch sparse ynl-gen ynl-check clean

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(TOP) modules

userspace: userspace/ktun/ktun userspace/ktund/ktund userspace/ktun-pki/ktun-pki

KTUND_SRC := $(wildcard userspace/ktund/*.c) $(LIB_SRC)
KTUND_HDR := $(wildcard userspace/ktund/*.h) $(KTUN_HDR)

userspace/ktund/ktund: $(KTUND_SRC) $(KTUND_HDR)
	$(CC) $(CFLAGS) -pthread -o $@ $(KTUND_SRC) $(LDLIBS_MNL) $(LDLIBS_TLS)

userspace/ktun/ktun: $(KTUN_SRC) $(KTUN_HDR)
	$(CC) $(CFLAGS) -o $@ $(KTUN_SRC) $(LDLIBS_MNL)

# The test CA; on its own so that ktun need not link mbedTLS.
userspace/ktun-pki/ktun-pki: userspace/ktun-pki/ktun-pki.c userspace/lib/cli.c \
			     userspace/lib/cli.h include/uapi/linux/ktun.h
	$(CC) $(CFLAGS) -o $@ userspace/ktun-pki/ktun-pki.c userspace/lib/cli.c $(LDLIBS_TLS)

selftests: $(SELFTEST_BINS)

$(BUILD)/selftests/%: selftests/%.c $(LIB_SRC) $(KTUN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS_MNL)

# Host unit tests (no VM): make check-static runs them.
$(BUILD)/host/msg_codec: selftests/msg_codec.c $(LIB_SRC) $(KTUN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS_MNL)

$(BUILD)/host/tls_resume: selftests/tls_resume.c selftests/tls_pair.h $(KTUND_TLS) $(KTUN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< userspace/ktund/tls.c $(LDLIBS_TLS)

# ktund's worker pool (dispatch, order, resync, sweep, shutdown), with
# stand-ins for nl.c and main.c; and the engine run from several threads
# on shared configurations.  The -tsan builds run them under
# ThreadSanitizer, which sees ktund's own code (mbedTLS is not built for
# it: valgrind --tool=helgrind sees into it, see Documentation/testing.md).
KTUND_POOL := userspace/ktund/worker.c userspace/ktund/hs.c userspace/ktund/tls.c
TSAN_CFLAGS := -O1 -g -fsanitize=thread

$(BUILD)/host/workers: selftests/workers.c $(KTUND_POOL) $(KTUND_HDR) $(LIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -pthread -o $@ $< $(KTUND_POOL) $(LIB_SRC) $(LDLIBS_MNL) $(LDLIBS_TLS)

$(BUILD)/host/tls_threads: selftests/tls_threads.c selftests/tls_pair.h $(KTUND_TLS) $(KTUN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -pthread -o $@ $< userspace/ktund/tls.c $(LDLIBS_TLS)

$(BUILD)/host/workers-tsan: selftests/workers.c $(KTUND_POOL) $(KTUND_HDR) $(LIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) $(TSAN_CFLAGS) -o $@ $< $(KTUND_POOL) $(LIB_SRC) $(LDLIBS_MNL) $(LDLIBS_TLS)

$(BUILD)/host/tls_threads-tsan: selftests/tls_threads.c selftests/tls_pair.h $(KTUND_TLS) $(KTUN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) $(TSAN_CFLAGS) -o $@ $< userspace/ktund/tls.c $(LDLIBS_TLS)

# The engine's handshake cost, in memory (bench/hs_engine.c).
$(BUILD)/bench/hs_engine: bench/hs_engine.c selftests/tls_pair.h $(KTUND_TLS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< userspace/ktund/tls.c $(LDLIBS_TLS)

$(BUILD)/bench/netbench: bench/netbench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lpthread

$(BUILD)/selftests/tls_peer: selftests/tls_peer.c $(KTUND_TLS) $(KTUN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< userspace/ktund/tls.c $(LDLIBS_TLS)

$(BUILD)/selftests/tls_tap: selftests/tls_tap.c
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

$(BUILD)/selftests/xfer: selftests/xfer.c
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< -lpthread

$(BUILD)/selftests/rds_xfer $(BUILD)/selftests/kcm_xfer: $(BUILD)/selftests/%: \
		selftests/%.c selftests/xfer_msg.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

$(BUILD)/selftests/gate_probe $(BUILD)/selftests/hostile: $(BUILD)/selftests/%: selftests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -pthread -o $@ $<

deps:
	@scripts/deps.sh >/dev/null

# Static checks on the host, then the VM run; one TAP stream and a summary.
check: deps
	@scripts/check.sh

check-static:
	@scripts/check.sh --static-only

check-debug: deps
	@scripts/check.sh --debug

demo: deps
	@scripts/vm.sh demo

bench: deps
	@scripts/bench.sh

vm-shell: deps
	@scripts/vm.sh shell

# Two warnings are expected and dropped, only where they are: the gate's
# proto_ops (module/gate.c) are built at load time from the family's own
# ops, as net/tls does, then __ro_after_init, and record.c's are built
# from kTLS's at the first install; they cannot be const.  Any other
# non-const struct still fails.  checkpatch exits 1 on findings, more on
# its own failure.
CHECKPATCH_EXPECTED := ^module/(gate|record).c:[0-9]*: WARNING: struct proto_ops should normally be const$$
checkpatch:
	@mkdir -p $(BUILD)
	@perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse -q \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(filter-out %-gen.c %-gen.h,$(wildcard module/*.c module/*.h)) \
		selftests/kmod/ktun_kclient.c >$(BUILD)/checkpatch.raw 2>&1; \
	rc=$$?; grep -Ev '$(CHECKPATCH_EXPECTED)' $(BUILD)/checkpatch.raw; \
	[ $$rc -le 1 ] && [ $$(grep -c 'struct proto_ops should' $(BUILD)/checkpatch.raw) -le 2 ]

sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 C=2 modules

ynl-gen:
	scripts/ynl-gen.sh

ynl-check:
	scripts/ynl-gen.sh --check

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
	rm -rf $(BUILD) userspace/ktun/ktun userspace/ktund/ktund userspace/ktun-pki/ktun-pki
