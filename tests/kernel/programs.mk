# SPDX-License-Identifier: BSD-2-Clause
#
# The static in-guest programs of the kernel suite (docs/kernel-suite.md):
#
#   make -f tests/kernel/programs.mk OUT=<dir> [CC=gcc] [-j2]
#
# puts into <dir> one static binary per test: heaps_selftest,
# heaps_linear_map, heaps_bench (tests/kernel/heaps/). Each prints TAP
# lines and exits 0 only when every check passed. librheap is compiled in
# from src/lib (its Linux backend: /dev/dma_heap, /dev/tee*).
# Parts append their own block below (PROGRAMS += name; a rule for it).

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
OUT ?= $(ROOT)/build-kernel-programs
CC ?= gcc
OBJ := $(OUT)/obj

CFLAGS_K := -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wimplicit-fallthrough -D_GNU_SOURCE -I$(ROOT)/include -I$(ROOT)/src
LDFLAGS_K := -static -pthread

LIB_SRC := $(wildcard $(ROOT)/src/lib/*.c) $(ROOT)/src/common/err.c \
	$(ROOT)/src/util/rundir.c
LIB_OBJ := $(patsubst $(ROOT)/%.c,$(OBJ)/%.o,$(LIB_SRC))
LIB_A := $(OBJ)/librheap.a

PROGRAMS := heaps_selftest heaps_linear_map heaps_bench
HEAPS_COMMON := $(OBJ)/tests/kernel/heaps/ktap.o

all: programs

$(OBJ)/%.o: $(ROOT)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_K) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(OUT)/heaps_selftest: $(OBJ)/tests/kernel/heaps/heaps_selftest.o \
		$(HEAPS_COMMON) $(LIB_A)
	$(CC) $^ $(LDFLAGS_K) -o $@

$(OUT)/heaps_linear_map: $(OBJ)/tests/kernel/heaps/heaps_linear_map.o \
		$(HEAPS_COMMON)
	$(CC) $^ $(LDFLAGS_K) -o $@

$(OUT)/heaps_bench: $(OBJ)/tests/kernel/heaps/heaps_bench.o $(HEAPS_COMMON)
	$(CC) $^ $(LDFLAGS_K) -o $@

# The TEE test (H28): xtest 1014 shape on the module's /dev/tee0.
PROGRAMS += tee_sdp

$(OUT)/tee_sdp: $(OBJ)/tests/kernel/tee/tee_sdp.o $(HEAPS_COMMON) $(LIB_A)
	$(CC) $^ $(LDFLAGS_K) -o $@

# SDP_TA_CMD_DECRYPT on the module's /dev/tee0 (needs the board's
# --keys tests/kernel/tee/test.keys; without it the decrypting checks skip).
PROGRAMS += tee_decrypt

$(OUT)/tee_decrypt: $(OBJ)/tests/kernel/tee/tee_decrypt.o $(HEAPS_COMMON) \
		$(LIB_A)
	$(CC) $^ $(LDFLAGS_K) -o $@

# Per-uid quota and accounting (H34): children setuid, fd passing.
PROGRAMS += heaps_quota

$(OUT)/heaps_quota: $(OBJ)/tests/kernel/heaps/heaps_quota.o $(HEAPS_COMMON)
	$(CC) $^ $(LDFLAGS_K) -o $@

# Failure paths with the board failing calls on purpose (H33): named to
# run last (name order), its SCRUB quarantine is permanent.
PROGRAMS += zz_heaps_faults

$(OUT)/zz_heaps_faults: $(OBJ)/tests/kernel/heaps/heaps_faults.o \
		$(HEAPS_COMMON)
	$(CC) $^ $(LDFLAGS_K) -o $@

programs: $(addprefix $(OUT)/,$(PROGRAMS))

clean:
	rm -rf $(OBJ) $(addprefix $(OUT)/,$(PROGRAMS))

.PHONY: all programs clean
