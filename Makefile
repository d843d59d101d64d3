# ordertrack: PGXS build
EXTENSION = ordertrack
EXTVERSION = 0.15
MODULE_big = ordertrack
# The entry point, the helpers below every part, the parts, and the parts
# with no PostgreSQL dependency (PURE_SRCS below).
OBJS = src/ordertrack.o src/common.o src/cache.o src/placement.o src/direct.o src/settings.o src/tracking_no.o \
	src/catalogue.o src/intake.o src/intake_trigger.o src/intake_check.o src/intake_store.o src/intake_recheck.o src/intake_lookup.o src/order_guards.o src/order_cascade.o src/shop_access.o src/flags.o \
	src/payload.o src/stages.o src/shop_group.o src/events.o src/deadlines.o \
	src/tn_digits.o src/tn_permute.o src/ot_phone.o src/ot_text.o src/ot_ac.o src/ot_region.o src/ot_unit.o
# The install script of the current version is built from the current
# definitions in src/sql/, one file per concern, in this order (each file
# uses only what the ones before it define).  The scripts that upgrade an
# installed release, and 0.1's install script (where the upgrade chain
# starts), are in updates/.
SQL_SOURCES = src/sql/tracking_no.sql src/sql/settings.sql src/sql/shop_access.sql src/sql/orders.sql \
	src/sql/flags.sql src/sql/intake.sql src/sql/stages.sql src/sql/fulfilment.sql \
	src/sql/scans.sql src/sql/events.sql src/sql/outbox_nodes.sql src/sql/deadlines.sql src/sql/reports.sql \
	src/sql/duties.sql src/sql/distribute.sql
DATA = updates/ordertrack--0.1.sql updates/ordertrack--0.2--0.3.sql updates/ordertrack--0.3--0.4.sql \
	updates/ordertrack--0.4--0.5.sql updates/ordertrack--0.5--0.6.sql updates/ordertrack--0.6--0.7.sql \
	updates/ordertrack--0.7--0.8.sql updates/ordertrack--0.9--0.10.sql \
	updates/ordertrack--0.10--0.11.sql updates/ordertrack--0.11--0.12.sql \
	updates/ordertrack--0.12--0.13.sql updates/ordertrack--0.13--0.14.sql updates/ordertrack--0.14--0.15.sql
DATA_built = $(EXTENSION)--$(EXTVERSION).sql updates/ordertrack--0.1--0.2.sql updates/ordertrack--0.8--0.9.sql
PGFILEDESC = "ordertrack - order tracking for e-commerce shops"

SHLIB_LINK += -lcrypto
# Our code builds clean with every -Wall -Wextra warning; the server's own
# headers are included as system headers so that theirs do not count.
PG_CFLAGS += -Wall -Wextra -Werror
PG_CPPFLAGS += -isystem $(shell $(PG_CONFIG) --includedir-server)

REGRESS = tracking_no intake_text outbox reports
REGRESS_OPTS = --inputdir=. --load-extension=ordertrack
ISOLATION = tracking_issue settings_cache intake_duplicates catalogue_cache stage_race stage_graph_cache outbox_delivery resolve_race intake_account_locks cache_snapshot
ISOLATION_OPTS = --load-extension=ordertrack

EXTRA_CLEAN = $(UNIT_TESTS) $(FUZZ_TARGETS) test/unit/check_numbers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: every object depends on every header
# of ours, so that a changed struct never leaves a stale object behind.
$(OBJS): $(wildcard src/*.h)

# The shipped regions and unit words go where a script says @REGIONS@ and
# @UNIT_KEYWORDS@: into the install script, and into the upgrade scripts
# that ship them (into the table that SHIPPED_INTO names, by default the
# settings table itself).
SHIPPED_DATA = data/regions.tsv data/unit_keywords.tsv tools/regions_sql.awk tools/unit_keywords_sql.awk
SHIPPED_SQL = awk -v target=$(REGIONS_INTO) -f tools/regions_sql.awk data/regions.tsv > $@.regions && \
	awk -v target=$(UNITS_INTO) -f tools/unit_keywords_sql.awk data/unit_keywords.tsv > $@.units
SHIPPED_PUT = sed -e '/^@REGIONS@$$/{r $@.regions' -e 'd;}' -e '/^@UNIT_KEYWORDS@$$/{r $@.units' -e 'd;}'
REGIONS_INTO = ordertrack.regions
UNITS_INTO = ordertrack.address_unit_keywords

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) $(SHIPPED_DATA)
	$(SHIPPED_SQL)
	{ printf '%s\n' '/* $@: built by make from src/sql/ (edit those files) */' \
		'\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $(SQL_SOURCES); do echo; cat $$f; done; } | $(SHIPPED_PUT) > $@
	rm -f $@.regions $@.units

# 0.8 -> 0.9 brings the shipped rows up to date through temporary tables.
updates/ordertrack--0.8--0.9.sql: REGIONS_INTO = pg_temp.shipped_regions
updates/ordertrack--0.8--0.9.sql: UNITS_INTO = pg_temp.shipped_unit_keywords

updates/%.sql: updates/%.sql.in $(SHIPPED_DATA)
	$(SHIPPED_SQL)
	$(SHIPPED_PUT) $< > $@
	rm -f $@.regions $@.units

# Plain C unit tests and fuzz targets of the parts with no PostgreSQL
# dependency.
PURE_SRCS = src/tn_digits.c src/tn_permute.c src/ot_phone.c src/ot_text.c src/ot_ac.c src/ot_region.c src/ot_unit.c
PURE_HDRS = $(PURE_SRCS:.c=.h)
UNIT_TESTS = test/unit/test_tn test/unit/test_intake test/unit/test_region test/unit/test_unit test/unit/test_phone_corpus test/unit/test_address_corpus
FUZZ_TARGETS = test/fuzz/fuzz_tn_parse test/fuzz/fuzz_phone test/fuzz/fuzz_text test/fuzz/fuzz_ac test/fuzz/fuzz_region test/fuzz/fuzz_unit

# China's area codes, from data/cn_area_codes.tsv (tools/cn_area_codes.js).
src/ot_area_codes.h: data/cn_area_codes.tsv tools/area_codes_h.awk
	awk -f tools/area_codes_h.awk $< > $@
src/ot_phone.o src/ot_phone.bc: src/ot_area_codes.h
EXTRA_CLEAN += src/ot_area_codes.h

# Traditional -> simplified characters, from data/t2s.tsv (tools/t2s.sh).
src/ot_t2s.h: data/t2s.tsv tools/t2s_h.awk
	awk -f tools/t2s_h.awk $< > $@
src/ot_text.o src/ot_text.bc: src/ot_t2s.h
EXTRA_CLEAN += src/ot_t2s.h

test/unit/test_%: test/unit/test_%.c test/unit/tap.h test/unit/load_regions.h test/unit/load_units.h $(PURE_SRCS) $(PURE_HDRS) src/ot_area_codes.h src/ot_t2s.h
	$(CC) -O2 -g -Wall -Wextra -Werror -Isrc -o $@ $< $(PURE_SRCS) -lcrypto

test/unit/check_numbers: test/unit/check_numbers.c
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

unittest: $(UNIT_TESTS)
	for t in $(UNIT_TESTS); do $$t || exit 1; done

# libFuzzer targets (clang), with AddressSanitizer and UBSan.
test/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/unit/load_regions.h test/unit/load_units.h $(PURE_SRCS) $(PURE_HDRS) src/ot_area_codes.h src/ot_t2s.h
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Itest/unit -o $@ $< $(PURE_SRCS) -lcrypto

fuzz-targets: $(FUZZ_TARGETS)

.PHONY: unittest fuzz-targets

# ---- ordertrack-listen: the outbox consumer program (libpq) ---------------
# PGXS cannot build a PROGRAM next to MODULE_big, hence these rules; they
# come after the include so that PGXS's "all" stays the default goal.
# Its main, and a file per concern; src/listen/listen.h says what each holds.
LISTEN_PROG = src/listen/ordertrack-listen
LISTEN_SRCS = src/listen/ordertrack-listen.c src/listen/listen_options.c src/listen/listen_conn.c \
	src/listen/listen_drain.c src/listen/listen_wait.c
all: $(LISTEN_PROG)
$(LISTEN_PROG): $(LISTEN_SRCS) src/listen/listen.h
	$(CC) -O2 -g -Wall -Wextra -Werror -I$(shell $(PG_CONFIG) --includedir) -o $@ $(LISTEN_SRCS) \
		-L$(shell $(PG_CONFIG) --libdir) -lpq
install: install-listen
install-listen: $(LISTEN_PROG)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(LISTEN_PROG) '$(DESTDIR)$(bindir)/ordertrack-listen'
uninstall: uninstall-listen
uninstall-listen:
	rm -f '$(DESTDIR)$(bindir)/ordertrack-listen'
EXTRA_CLEAN += $(LISTEN_PROG)
.PHONY: install-listen uninstall-listen
# ---- end of ordertrack-listen ----------------------------------------------
