# Thin wrapper: everything real is in CMake and ctest. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Debian 12 packages the build, the tests and the demo need.
PKGS = build-essential cmake pkg-config clang clang-format clang-tidy libclang-rt-14-dev iproute2 \
       libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler \
       liblmdb-dev lmdb-utils libmicrohttpd-dev libjansson-dev \
       libcurl4-openssl-dev libssl-dev openssl libsystemd-dev systemd kannel kannel-extras \
       curl procps jq file python3-prometheus-client python3-yaml python3-jsonschema \
       chromium fonts-nanum
# `make install` puts eonjena under PREFIX (and /etc/eonjena, /var/lib/eonjena for the
# system prefixes); DESTDIR installs into a staging root. docs/operations.md
PREFIX     ?= /usr/local
# The console's browser test (tests/browser): node and npm, from Debian unless the
# machine has them already (a NodeSource node brings its own npm, which Debian's npm
# package would conflict with), and playwright-core as pinned in tests/browser.
NODE_PKGS = nodejs npm
BROWSER_DIR = $(BUILD)/tests/browser

.PHONY: all deps build run test install deb asan asan-test bench fuzz format tidy clean

all: build

# Install what is missing (apt-get, as root or through sudo). Nothing if all is there.
deps:
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	  || { echo "make deps: apt-get failed"; exit 1; }; \
	fi
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "make deps: installing $(NODE_PKGS)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(NODE_PKGS) >/dev/null \
	  || { echo "make deps: apt-get failed"; exit 1; }; \
	fi
	@if ! cmp -s tests/browser/package-lock.json $(BROWSER_DIR)/package-lock.json || \
	  [ ! -d $(BROWSER_DIR)/node_modules/playwright-core ]; then \
	  echo "make deps: npm ci of tests/browser (playwright-core) into $(BROWSER_DIR)"; \
	  mkdir -p $(BROWSER_DIR) && cp tests/browser/package.json tests/browser/package-lock.json $(BROWSER_DIR)/ && \
	  (cd $(BROWSER_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
	  || echo "make deps: npm ci failed (no npm registry?): browser.console will be skipped"; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The demo runs on a demo clock: Friday 27 November 2026, 19:00 in Seoul when it starts,
# the evening the README's first request is made on. DEMO_CLOCK=system: the real time.
DEMO_CLOCK ?= offset:2026-11-27T19:00
run: build
	./$(BUILD)/eonjena serve --init --insecure-demo --clock $(DEMO_CLOCK)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package (prefix /usr): $(BUILD)/eonjena_<version>_<arch>.deb
deb: build
	cd $(BUILD) && cpack -G DEB

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DEO_SANITIZE=ON

asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j$(JOBS)

asan-test: asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -LE nosan

bench: build
	./bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# The static analyser over the sources (.clang-tidy: which checks, and why not the rest);
# any finding fails. One clang-tidy per core.
tidy: build
	git ls-files 'src/*.c' 'workers/*.c' | xargs -P $(JOBS) -n 8 clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
