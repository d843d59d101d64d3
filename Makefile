# ordertrack: PGXS build
EXTENSION = ordertrack
EXTVERSION = 0.1
MODULE_big = ordertrack
OBJS = src/ordertrack.o src/tracking_no.o src/tn_digits.o src/tn_permute.o
DATA = $(wildcard ordertrack--*.sql)
PGFILEDESC = "ordertrack - order tracking for e-commerce shops"

SHLIB_LINK += -lcrypto
# Our code builds clean with every -Wall -Wextra warning; the server's own
# headers are included as system headers so that theirs do not count.
PG_CFLAGS += -Wall -Wextra -Werror
PG_CPPFLAGS += -isystem $(shell $(PG_CONFIG) --includedir-server)

REGRESS = tracking_no
REGRESS_OPTS = --inputdir=. --load-extension=ordertrack
ISOLATION = tracking_issue
ISOLATION_OPTS = --load-extension=ordertrack

EXTRA_CLEAN = test/unit/test_tn test/unit/check_numbers test/fuzz/fuzz_tn_parse

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Plain C unit tests of the parts with no PostgreSQL dependency.
TN_PURE = src/tn_digits.c src/tn_permute.c
test/unit/test_tn: test/unit/test_tn.c $(TN_PURE) src/tn_digits.h src/tn_permute.h
	$(CC) -O2 -g -Wall -Wextra -Werror -Isrc -o $@ test/unit/test_tn.c $(TN_PURE) -lcrypto

test/unit/check_numbers: test/unit/check_numbers.c
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

unittest: test/unit/test_tn
	test/unit/test_tn

# libFuzzer target for the parser (clang).
test/fuzz/fuzz_tn_parse: test/fuzz/fuzz_tn_parse.c $(TN_PURE)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -o $@ test/fuzz/fuzz_tn_parse.c $(TN_PURE) -lcrypto

.PHONY: unittest
