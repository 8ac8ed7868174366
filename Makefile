# A thin wrapper over CMake: `make run` and `make test` are the two set-up commands of the
# README. Both first install the Debian packages that are missing (apt-get, no prompts).

BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
RUN_ARGS ?= scan examples/posts
FUZZ_SECONDS ?= 60
FUZZ_SEED    ?= 1
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?= text jsonl split load feed quotes scan html attrib dedup writers

# Debian packages the build and the tests need.
# Open MPI (openmpi-bin: mpirun; libopenmpi-dev: the headers) makes the program MPI-aware
# (docs/SCALING.md); the library and the Python package never use it.
DEB_PACKAGES = build-essential cmake pkg-config libxxhash-dev libutf8proc-dev libjansson-dev \
               zlib1g-dev libzstd-dev liblmdb-dev libxml2-dev libcmocka-dev libmicrohttpd-dev \
               openmpi-bin libopenmpi-dev
# ... and the ones only the tests need: chromium and python3 for the HTML report's browser
# test, groff-base to render the man pages the help test checks. npm, for eslint (which lints
# the report's scripts, installed into the build tree from tests/lint/), is installed from
# Debian only when no npm command is there (a Node.js of another origin brings its own).
# python3-dev, -setuptools, -venv, -pip and -pytest build the Python package and run its suite.
TEST_DEB_PACKAGES = chromium python3 groff-base python3-dev python3-setuptools python3-venv \
                    python3-pip python3-pytest
# ... and the ones `make package` needs: dpkg-shlibdeps (dpkg-dev) and file, which CPack uses
# to find the programs and libraries to give to it.
PACKAGE_DEB_PACKAGES = dpkg-dev file
PREFIX ?= /usr/local
PACKAGE_BUILD ?= build-package

.PHONY: all deps test-deps build run test install package bench fuzz format clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q < /dev/null && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing < /dev/null; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/reprint $(RUN_ARGS)

test-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(TEST_DEB_PACKAGES)"
	@command -v npm > /dev/null 2>&1 || $(MAKE) --no-print-directory deps DEB_PACKAGES=npm
	sh tests/lint/run.sh install $(BUILD)/lint

test: build test-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Installs into PREFIX (default /usr/local; DESTDIR is honoured).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# A .deb in $(PACKAGE_BUILD)/ (reprint_VERSION_ARCH.deb), built for /usr.
package: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(PACKAGE_DEB_PACKAGES)"
	cmake -S . -B $(PACKAGE_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	    -DREPRINT_TESTS=OFF -DREPRINT_BENCH=OFF > /dev/null
	cmake --build $(PACKAGE_BUILD) -j $(JOBS)
	cd $(PACKAGE_BUILD) && cpack -G DEB

bench: build
	sh bench/run.sh $(BUILD)

# libFuzzer (clang): each target runs FUZZ_SECONDS on a scratch copy of its seed corpus; a
# crash stops the run and leaves the input in $(FUZZ_BUILD)/fuzz-artifacts/<target>/.
# FUZZ_SEED fixes libFuzzer's random seed so that a CI run repeats a run made before it
# (FUZZ_SEED=0 picks a new seed each time, for exploring).
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREPRINT_FUZZ=ON -DREPRINT_MAN=OFF -DREPRINT_MPI=OFF \
	    -DREPRINT_TESTS=OFF -DREPRINT_BENCH=OFF > /dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@failed=""; for t in $(FUZZ_TARGETS); do \
	    work=$(FUZZ_BUILD)/fuzz-work/$$t; art=$(FUZZ_BUILD)/fuzz-artifacts/$$t; \
	    rm -rf $$work $$art; mkdir -p $$work $$art; cp tests/fuzz/corpus/$$t/* $$work/; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    if $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -max_len=4096 \
	        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$$art/ \
	        $$work 2> $(FUZZ_BUILD)/fuzz-$$t.log; then \
	        grep -E '^Done' $(FUZZ_BUILD)/fuzz-$$t.log || true; \
	    else \
	        grep -v '^    #[0-9]' $(FUZZ_BUILD)/fuzz-$$t.log | tail -25; failed="$$failed $$t"; \
	    fi; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz targets that crashed:$$failed (inputs in" \
	    "$(FUZZ_BUILD)/fuzz-artifacts/)"; exit 1; }

format:
	cmake --build $(BUILD) --target format

clean:
	rm -rf $(BUILD) $(PACKAGE_BUILD)
