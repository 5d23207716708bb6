# mmbench: `make` builds build/mmbench, `make deps` installs what it needs, `make check` tests.

CC	?= gcc
BUILD	:= build
PKGS	:= hwloc jansson gsl numa sqlite3 libpq
CFLAGS	?= -O2 -g
# override: 'make CFLAGS=-O0' adds to these rather than dropping -Werror and the include paths
override CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -D_GNU_SOURCE -MMD -MP \
	   -I. -Ilib -I$(LIBPERF)/include -I/usr/include/postgresql
override LDLIBS	+= $(LIBPERF)/libperf.a $(LIBPERF)/libapi.a \
	   -lhwloc -ljansson -lgsl -lgslcblas -lnuma -lnettle -lsqlite3 -lpq -lpthread -lm

# libperf comes from tools/lib/perf of a kernel tree: KSRC=, else Debian's linux-source-6.1.
KSRC	?=
LIBPERF	:= $(BUILD)/libperf
LINUX_SOURCE_TARBALL := $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))

LIB_SRC	:= $(filter-out lib/cmd/main.c,$(wildcard lib/*/*.c))
BENCH_SRC := $(wildcard benches/*.c)
LIB_OBJ	:= $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC) $(BENCH_SRC)) $(BUILD)/version.o \
	   $(BUILD)/help_pages.o
MAIN_OBJ := $(BUILD)/lib/cmd/main.o
# The man pages, from docs/man/ into build/man/man1/ (make install-man puts them under PREFIX).
MAN_SRC	:= $(wildcard docs/man/*.1.scd)
MAN_PAGES := $(patsubst docs/man/%.scd,$(BUILD)/man/man1/%,$(MAN_SRC))
PREFIX	?= /usr/local
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))

VERSION	:= $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

.PHONY: all deps check unit integration clean cppcheck layers libperf fuzz fuzz-check FORCE \
	shellcheck man install-man

all: $(BUILD)/mmbench man

# V=1 shows the whole commands
Q	:= $(if $(V),,@)

$(BUILD)/mmbench: $(LIBPERF)/libperf.a $(MAIN_OBJ) $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $(MAIN_OBJ) $(LIB_OBJ) $(LDLIBS)

$(BUILD)/%.o: %.c $(LIBPERF)/libperf.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c tests/testutil.c $(wildcard tests/*.h) $(LIB_OBJ) $(LIBPERF)/libperf.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Itests -o $@ $< tests/testutil.c $(LIB_OBJ) $(LDLIBS) -lcmocka

# test_help: every command's --help names every option it parses, which an LD_PRELOAD of
# getopt_long (optdump.so) reports; and every man page renders.
$(BUILD)/tests/optdump.so: tests/optdump.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl
$(BUILD)/tests/test_help: $(BUILD)/tests/optdump.so $(MAN_PAGES) $(BUILD)/mmbench

# The fuzz harness, replayed over fuzz/regress/ by an ordinary test.
$(BUILD)/tests/test_fuzz_regress: tests/test_fuzz_regress.c fuzz/harness.c fuzz/harness.h tests/testutil.c $(wildcard tests/*.h) $(LIB_OBJ) $(LIBPERF)/libperf.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Itests -Ifuzz -o $@ $< fuzz/harness.c tests/testutil.c $(LIB_OBJ) $(LDLIBS) -lcmocka

# Rewritten only when the version changes, so an unchanged tree does not relink.
$(BUILD)/version.c: FORCE
	@mkdir -p $(BUILD)
	@v='const char mmbench_version[] = "$(VERSION)";'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@

$(BUILD)/version.o: $(BUILD)/version.c
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# docs/man/*.1.scd (scdoc) is the one source of each command's help: scripts/help.sh makes
# the strings of `mmbench CMD --help` (and run.sh's usage) of it, scdoc the man pages.
$(BUILD)/help_pages.c: $(MAN_SRC) scripts/help.sh
	@mkdir -p $(BUILD)
	$(Q)./scripts/help.sh c >$@.tmp && mv $@.tmp $@

$(BUILD)/help_pages.o: $(BUILD)/help_pages.c
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

man: $(MAN_PAGES)

# mmbench.1 lists every command's page
$(BUILD)/man/man1/mmbench.1: $(MAN_SRC)
$(BUILD)/man/man1/%.1: docs/man/%.1.scd scripts/help.sh
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "make: scdoc not found: run 'make deps'" >&2; exit 2; }
	@echo "  SCDOC   $@"
	$(Q)p=$*; ./scripts/help.sh scd $${p#mmbench-} >$@.scd && scdoc <$@.scd >$@.tmp && \
		mv $@.tmp $@ && rm $@.scd

install-man: man
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/

# libperf: copy tools/ out of the kernel tree (or the tarball) and build the static library.
libperf: $(LIBPERF)/libperf.a
$(LIBPERF)/libperf.a:
	@mkdir -p $(BUILD)
	@if [ -n "$(KSRC)" ]; then \
		[ -d "$(KSRC)/tools/lib/perf" ] || { echo "make: KSRC=$(KSRC) has no tools/lib/perf" >&2; exit 2; }; \
		rm -rf $(BUILD)/linux-tools && mkdir -p $(BUILD)/linux-tools && \
		cp -a $(KSRC)/tools $(BUILD)/linux-tools/; \
	elif [ -n "$(LINUX_SOURCE_TARBALL)" ]; then \
		rm -rf $(BUILD)/linux-tools && mkdir -p $(BUILD)/linux-tools && \
		tar -C $(BUILD)/linux-tools --strip-components=1 -xf $(LINUX_SOURCE_TARBALL) \
			--wildcards '*/tools/*'; \
	else \
		echo "make: no kernel source for libperf: run 'make deps' (installs linux-source-6.1) or pass KSRC=/path/to/linux" >&2; \
		exit 2; \
	fi
	$(MAKE) -s -C $(BUILD)/linux-tools/tools/lib/perf >/dev/null
	rm -rf $(LIBPERF) && mkdir -p $(LIBPERF)
	cp $(BUILD)/linux-tools/tools/lib/perf/libperf.a $(BUILD)/linux-tools/tools/lib/api/libapi.a $(LIBPERF)/
	cp -a $(BUILD)/linux-tools/tools/lib/perf/include $(LIBPERF)/include

# Debian packages the suite, its tests, its plots and the vm runner use; idempotent.
deps:
	@./scripts/deps.sh
	@$(MAKE) -s $(LIBPERF)/libperf.a

check: deps all cppcheck layers shellcheck $(TEST_BIN)
	@./tests/run-tests.sh $(TEST_BIN)
	@$(MAKE) -s fuzz-check

unit: all $(TEST_BIN)
	@MMBENCH_UNIT_ONLY=1 ./tests/run-tests.sh $(TEST_BIN)

# The fuzz target of the run-directory reader (fuzz/): libFuzzer with Debian's clang, ASan
# and UBSan. `make fuzz` runs it FUZZ_SECONDS (default 600), `make check` for 45 s; both first
# replay fuzz/regress/, the inputs that once crashed it. New crashes land in build/fuzz/.
FUZZ_CC	?= clang-14
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -Ilib -Ifuzz -I$(LIBPERF)/include -I/usr/include/postgresql \
	-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
FUZZ_SRC := fuzz/fuzz_reader.c fuzz/harness.c $(LIB_SRC) \
	$(BUILD)/version.c $(BUILD)/help_pages.c $(BENCH_SRC)

$(BUILD)/fuzz/fuzz_reader: $(FUZZ_SRC) $(wildcard fuzz/*.h lib/*/*.h) $(LIBPERF)/libperf.a
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_SRC) $(LDLIBS)

fuzz: $(BUILD)/fuzz/fuzz_reader
	@./fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

fuzz-check: $(BUILD)/fuzz/fuzz_reader
	@./fuzz/run.sh $(BUILD)/fuzz 45

# lib/README.md: each folder of lib/ includes only its own and the folders below it.
layers:
	@./scripts/layers.sh

# Every shell script of the tree, sourced libraries included (they name their shell).
SHELL_SRC := run.sh guest/init $(wildcard vm/*.sh guest/*.sh flows/*.sh lava/*.sh lava/devices/*.sh scripts/*.sh \
	tests/*.sh tests/lava/*.sh tests/lava/fake-lavacli fuzz/*.sh plot/*.sh)
shellcheck:
	@echo "  SHELLCHECK $(words $(SHELL_SRC)) scripts"
	$(Q)shellcheck -S warning $(SHELL_SRC)

cppcheck:
	@echo "  CPPCHECK lib benches tests fuzz"
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -D__GNUC__ --include=/usr/include/jansson.h -I. -Ilib -Ifuzz lib benches tests fuzz

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/lib/*/*.d $(BUILD)/benches/*.d)
