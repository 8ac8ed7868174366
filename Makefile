# A thin wrapper over CMake: `make run` and `make test` are the two set-up commands of the
# README. Both first install the Debian packages that are missing (apt-get, no prompts).

BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
RUN_ARGS ?= scan examples/posts

# Debian packages the build and the tests need.
DEB_PACKAGES = build-essential cmake pkg-config libxxhash-dev libutf8proc-dev libjansson-dev \
               zlib1g-dev libzstd-dev liblmdb-dev libxml2-dev libcmocka-dev

.PHONY: all deps build run test bench format clean

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

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	sh bench/run.sh $(BUILD)

format:
	cmake --build $(BUILD) --target format

clean:
	rm -rf $(BUILD)
