# t/deps.sh: sourced by t/run-tests, t/run-demo and t/bench/bench.sh.
#
# need_packages PKG...: installs the Debian packages that are not installed
# yet (apt-get, as root) without letting their services start, then makes
# sure the web servers among them (lighttpd, apache2, nginx, haproxy, perlbal,
# which would sit on port 80) are stopped and disabled: the tests and the demo run
# their own instances on other ports. Services that were installed before are
# left alone.

_deps_services="lighttpd apache2 nginx haproxy perlbal"

need_packages()
{
	local p missing=() newly=() s sudo=
	for p in "$@"; do
		if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null ||
		    { echo "need root to install: ${missing[*]}" >&2; return 1; }
		sudo=sudo
	fi
	echo "==> installing: ${missing[*]}"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# While installing, a policy-rc.d that says "no" keeps the packages'
	# services from starting: apache2 and lighttpd would both want port 80
	# and the second one's postinst could fail on a machine without systemd.
	local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
	if [ ! -e "$policy" ]; then
		$sudo sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
		made_policy=1
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "${missing[@]}" || rc=$?
	[ "$made_policy" = 0 ] || $sudo rm -f "$policy"
	[ "$rc" = 0 ] || return "$rc"
	for p in "${missing[@]}"; do
		for s in $_deps_services; do
			[ "$p" = "$s" ] && newly+=("$s")
		done
	done
	for s in "${newly[@]}"; do
		[ -e "/etc/init.d/$s" ] || continue
		echo "==> making sure the $s system service is stopped and disabled"
		$sudo service "$s" stop >/dev/null 2>&1 || true
		if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
			$sudo systemctl disable "$s" >/dev/null 2>&1 || true
		else
			$sudo update-rc.d "$s" disable >/dev/null 2>&1 || true
		fi
	done
}

# Everything needed to build weir and run make check.
BUILD_PACKAGES="build-essential autoconf automake pkg-config libssl-dev libjansson-dev libnghttp2-dev check"
# Everything the integration tests run.
TEST_PACKAGES="lighttpd apache2 curl python3 procps iproute2 coreutils wrk openssl testssl.sh perlbal chromium nghttp2-client python3-websockets python3-h2"
# t/integration/78: the Debian package is built and checked.
TEST_PACKAGES="$TEST_PACKAGES debhelper lintian"
# make fuzz: libFuzzer and the sanitizers' runtimes come with clang.
FUZZ_PACKAGES="clang libclang-rt-14-dev"
