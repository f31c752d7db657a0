#!/usr/bin/env bash
# The Debian package, built from the tree (lintian: no error), in a throwaway root (an overlay of this system, chrooted): installing creates the account weir, the log directory and the docs and starts nothing; started by its init script, its workers run as weir; an upgrade from the previous version while requests keep coming fails none of them (the running master execs the new binary on the same sockets); removal stops weir and leaves an init script that does nothing; purge leaves no weir process, file or account.
# timeout: 900
#
# The previous version is the same build with an older version number, so
# that both sides of the upgrade run this tree's maintainer scripts;
# WEIR_PKG_FROM=path/to/weir_OLD.deb upgrades from that package instead.
# Built packages are kept in WEIR_PKG_CACHE (default /var/tmp/weir-test-debs),
# by a hash of the source, so that another build directory's run of this
# test does not build them again.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || fail "needs root: it mounts an overlay and chroots"
for c in dpkg-buildpackage dh lintian chroot mount curl wrk; do
	command -v "$c" >/dev/null || fail "$c not found (t/deps.sh installs debhelper, lintian, wrk)"
done

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"

# --- the package, built from the source files of the tree.
SRC=$T/src/weir
mkdir -p "$SRC"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z -co --exclude-standard |
	    xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh) >"$T/files"
else
	(cd "$top_srcdir" && find . -path ./.git -prune -o -path './_build*' -prune \
	    -o -path ./debian/weir -prune -o -type f -print0) >"$T/files"
fi
tar -C "$top_srcdir" --null -T "$T/files" -cf - | tar -x -C "$SRC"
key=$(cd "$SRC" && xargs -0 sha256sum <"$T/files" | sha256sum | cut -c1-16)
CACHE=${WEIR_PKG_CACHE:-/var/tmp/weir-test-debs}/$key
arch=$(dpkg --print-architecture)
if [ ! -e "$CACHE/ok" ]; then
	note "building the package from $top_srcdir (dpkg-buildpackage -us -uc -b)"
	start=$(date +%s)
	(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
	    >"$T/build.log" 2>&1 || { tail -n 40 "$T/build.log"; fail "dpkg-buildpackage failed"; }
	note "built in $(($(date +%s) - start)) s"
	mkdir -p "$CACHE"
	cp "$T"/src/*.deb "$T"/src/*.changes "$T"/src/*.buildinfo "$CACHE/"
	touch "$CACHE/ok"
	# Keep the three newest builds.
	ls -1dt "${CACHE%/*}"/*/ | tail -n +4 | xargs -r rm -rf
else
	note "package of this source already built: $CACHE"
fi
DEB=$(ls "$CACHE"/weir_*_"$arch".deb | grep -v dbgsym)
VERSION=$(dpkg-deb -f "$DEB" Version)
note "package: $DEB ($VERSION)"

LINT=$(lintian "$CACHE"/weir_*_"$arch".changes 2>&1 | grep -v 'running with root privileges' || true)
note "lintian: ${LINT:-clean}"
assert_no_match "$LINT" '^E: ' "lintian errors"

contents=$(dpkg-deb -c "$DEB")
for f in ./usr/share/doc/weir/copyright ./usr/share/doc/weir/README.md.gz \
    ./usr/share/doc/weir/examples/weir.json ./usr/share/doc/weir/examples/vhosts.json \
    ./etc/init.d/weir ./lib/systemd/system/weir.service; do
	grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
done
unit=$(dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./lib/systemd/system/weir.service)
assert_match "$unit" '^Type=notify$' "the unit is Type=notify"
assert_match "$unit" '^LimitNOFILE=' "the unit sets LimitNOFILE"
assert_match "$unit" '^ExecReload=/usr/bin/weirctl -c /etc/weir/weir.json reload$' \
    "the unit reloads through weirctl, which reports the outcome"

# The previous version: this build numbered lower, or WEIR_PKG_FROM.
if [ -n "${WEIR_PKG_FROM:-}" ]; then
	PREV=$WEIR_PKG_FROM
else
	dpkg-deb -R "$DEB" "$T/prev"
	sed -i "s/^Version: .*/Version: ${VERSION}~prev1/" "$T/prev/DEBIAN/control"
	dpkg-deb -b "$T/prev" "$T/weir_prev.deb" >/dev/null
	PREV=$T/weir_prev.deb
fi
note "upgrading from $(dpkg-deb -f "$PREV" Version) to $VERSION"

# --- the throwaway root: this system seen through an overlay whose
# writes go to a tmpfs, with its own /run and /tmp.
OV=$T/ov
ROOT=$OV/root
mkdir -p "$OV"
mount -t tmpfs -o mode=0755 weir-test-ov "$OV" || fail "cannot mount a tmpfs"
mkdir "$OV/upper" "$OV/work" "$ROOT"
mount -t overlay weir-test-root -o "lowerdir=/,upperdir=$OV/upper,workdir=$OV/work" "$ROOT" ||
    fail "cannot mount an overlay of / (needs overlayfs and CAP_SYS_ADMIN)"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount -t tmpfs -o mode=0755 weir-test-run "$ROOT/run"
mount -t tmpfs -o mode=1777 weir-test-tmp "$ROOT/tmp"

# root_pids: processes running inside the throwaway root.
root_pids()
{
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
	done
	return 0
}
pkg_cleanup()
{
	local p m
	for p in $(root_pids); do
		kill -KILL "$p" 2>/dev/null
	done
	sleep 0.2
	for m in tmp run dev proc; do
		umount "$ROOT/$m" 2>/dev/null || umount -l "$ROOT/$m" 2>/dev/null
	done
	umount "$ROOT" 2>/dev/null || umount -l "$ROOT" 2>/dev/null
	umount "$OV" 2>/dev/null || umount -l "$OV" 2>/dev/null
	return 0
}
trap 'rc=$?; set +e; pkg_cleanup; (exit $rc); _cleanup' EXIT

inroot()
{
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}
# A policy that forbids starting services would test nothing.
rm -f "$ROOT/usr/sbin/policy-rc.d"
if inroot dpkg-query -W weir >/dev/null 2>&1; then
	inroot dpkg -P weir >/dev/null 2>&1 || fail "cannot purge the weir this system has"
fi
mkdir "$ROOT/root/debs"
cp "$PREV" "$ROOT/root/debs/prev.deb"
cp "$DEB" "$ROOT/root/debs/next.deb"

# installed_checks: the account, the log directory, the shipped
# configuration valid and running as weir.
installed_checks()
{
	uid=$(inroot id -u weir) || fail "no user weir after installation"
	inroot getent group weir >/dev/null || fail "no group weir after installation"
	assert_eq "$(inroot id -gn weir)" weir "weir's primary group"
	assert_match "$(inroot getent passwd weir)" ':/usr/sbin/nologin$' "weir has no login shell"
	[ -d "$ROOT/var/log/weir" ] || fail "no /var/log/weir"
	assert_eq "$(stat -c '%U %a' "$ROOT/var/log/weir")" "root 755" "the log directory is root's"
	out=$(inroot weir -t -c "$1" 2>&1) || fail "the shipped configuration fails weir -t: $out"
	assert_contains "$out" "configuration OK" "weir -t on the shipped configuration"
	assert_match "$(cat "$ROOT$1")" '"user": "weir"' "the shipped configuration runs as weir"
	if [ -x "$ROOT/usr/bin/systemd-analyze" ]; then
		out=$(inroot systemd-analyze verify --man=no /lib/systemd/system/weir.service 2>&1) ||
		    fail "systemd-analyze verify weir.service: $out"
		assert_eq "$out" "" "systemd-analyze verify weir.service"
	fi
}

# --- install: nothing started.
out=$(inroot dpkg -i /root/debs/prev.deb 2>&1) || fail "dpkg -i: $out"
note "$out"
[ -z "$(root_pids)" ] || fail "installation started something: $(root_pids)"
# An older package (WEIR_PKG_FROM) may run as www-data: checked after the
# upgrade, on the new package's copy of the configuration.
RUN_AS=weir
if [ -z "${WEIR_PKG_FROM:-}" ]; then
	installed_checks /etc/weir/weir.json
elif ! inroot id -u weir >/dev/null 2>&1; then
	RUN_AS=www-data
fi

# --- configured and started by its init script.
cat >"$ROOT/etc/weir/weir.json" <<EOF
{
  "user": "$RUN_AS",
  "group": "$RUN_AS",
  "workers": 2,
  "error_log": "/var/log/weir/error.log",
  "access_log": "/var/log/weir/access.log",
  "pools": {"web": {"backends": ["127.0.0.1:$(port 1)"],
                    "health": {"path": "/", "interval_ms": 500}}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
out=$(inroot /etc/init.d/weir start 2>&1) || fail "init script start: $out"
note "$out"
old=$(cat "$ROOT/run/weir/weir.pid")
_WEIR_MASTERS+=("$old")
wait_port "$P" 10
assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 1" "served through the package's weir"
kids=$(pgrep -P "$old" || true)
[ -n "$kids" ] || fail "the master has no children"
uid=$(inroot id -u "$RUN_AS")
for k in $kids; do
	assert_eq "$(ps -o uid= -p "$k" | tr -d ' ')" "$uid" "uid of child $k ($RUN_AS is $uid)"
done
assert_eq "$(stat -c %U "$ROOT/run/weir")" root "/run/weir stays root's"

# --- upgrade while two clients keep asking: one connection per request,
# and wrk's keep-alive connections.
: >"$T/codes"
(
	while [ ! -e "$T/stop" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 \
		    "http://127.0.0.1:$P/name" >>"$T/codes" 2>/dev/null || echo failed >>"$T/codes"
	done
) &
loop=$!
track "$loop"
wrk -t1 -c8 -d12s "http://127.0.0.1:$P/name" >"$T/wrk.out" 2>&1 &
load=$!
track "$load"
sleep 1
start=$(date +%s)
out=$(inroot dpkg -i --force-confold /root/debs/next.deb 2>&1) || fail "upgrade: $out"
note "$out"
note "dpkg -i took $(($(date +%s) - start)) s"
assert_match "$out" "Upgrading weir load balancer binary" "the postinst upgrades the binary in place"
assert_eq "$(inroot dpkg-query -W -f '${Version} ${Status}' weir)" "$VERSION install ok installed" \
    "the new version is installed"
sleep 1
touch "$T/stop"
wait "$loop" || true
wait "$load" || fail "wrk failed: $(cat "$T/wrk.out")"
note "$(cat "$T/wrk.out")"
n=$(wc -l <"$T/codes")
bad=$(grep -vc '^200$' "$T/codes" || true)
note "one-connection requests: $n, failed: $bad"
[ "$n" -ge 10 ] || fail "only $n requests during the upgrade"
assert_eq "$bad" 0 "failed requests during the upgrade ($(sort "$T/codes" | uniq -c | tr '\n' ' '))"
assert_no_match "$(cat "$T/wrk.out")" 'Socket errors' "wrk connection errors during the upgrade"
assert_no_match "$(cat "$T/wrk.out")" 'Non-2xx' "wrk failed requests during the upgrade"
new=$(cat "$ROOT/run/weir/weir.pid")
_WEIR_MASTERS+=("$new")
[ "$new" != "$old" ] || fail "the master was not replaced (pid $old)"
wait_gone "$old" 10 || fail "the old master $old still runs"
exe=$(readlink "/proc/$new/exe")
assert_eq "$exe" "$ROOT/usr/sbin/weir" "the new master runs the installed binary"
assert_match "$(cat "$ROOT/var/log/weir/error.log")" 'binary upgrade: the new master serves' \
    "the log tells of the binary upgrade"
assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 1" "served after the upgrade"
# The configuration kept is the test's; the package's new one is beside it.
if [ -n "${WEIR_PKG_FROM:-}" ]; then
	new_conf=/etc/weir/weir.json
	[ ! -e "$ROOT/etc/weir/weir.json.dpkg-dist" ] || new_conf=/etc/weir/weir.json.dpkg-dist
	installed_checks "$new_conf"
fi

# --- remove: weir stops; the init script stays and does nothing.
out=$(inroot dpkg -r weir 2>&1) || fail "dpkg -r: $out"
note "$out"
wait_gone "$new" 10 || fail "weir (pid $new) still runs after dpkg -r"
[ -z "$(root_pids)" ] || fail "processes left after dpkg -r: $(ps -o pid,user,args -p "$(root_pids | tr '\n' ,)0")"
is_listening "$P" && fail "port $P still listening after dpkg -r"
[ ! -e "$ROOT/usr/sbin/weir" ] || fail "/usr/sbin/weir left after dpkg -r"
[ -e "$ROOT/etc/weir/weir.json" ] || fail "dpkg -r removed the configuration"
[ -s "$ROOT/var/log/weir/error.log" ] || fail "dpkg -r removed the logs"
rc=0
out=$(inroot sh /etc/init.d/weir start 2>&1) || rc=$?
assert_eq "$rc" 0 "init script start after removal (output: $out)"
rc=0
out=$(inroot sh /etc/init.d/weir status 2>&1) || rc=$?
assert_eq "$rc" 4 "init script status after removal"
assert_contains "$out" "not installed" "init script status after removal"
[ -z "$(root_pids)" ] || fail "the init script started something after removal"

# --- purge: nothing of weir's is left.
out=$(inroot dpkg -P weir 2>&1) || fail "dpkg -P: $out"
note "$out"
for f in /etc/weir /etc/init.d/weir /etc/default/weir /etc/logrotate.d/weir \
    /var/log/weir /run/weir /usr/share/doc/weir /lib/systemd/system/weir.service; do
	[ ! -e "$ROOT$f" ] || fail "$f left after purge"
done
inroot getent passwd weir >/dev/null && fail "user weir left after purge"
inroot getent group weir >/dev/null && fail "group weir left after purge"
left=$(cd "$OV/upper" && find . -iname '*weir*' ! -type c)
[ -z "$left" ] || fail "files left after purge: $left"
[ -z "$(root_pids)" ] || fail "processes left after purge"
pass
