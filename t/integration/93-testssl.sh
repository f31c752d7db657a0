#!/usr/bin/env bash
# testssl.sh against a TLS service finds nothing of HIGH or CRITICAL severity and reports SSLv2, SSLv3, TLS 1.0 and TLS 1.1 as not offered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

command -v testssl >/dev/null || fail "testssl not installed (Debian package testssl.sh)"
P=$(port 0)
make_tls_certs
start_lighttpd light "$(port 1)"
cat >"$T/weir.json" <<EOF2
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "tls": {"certificates": $(tls_cert_json a b)}}}
}
EOF2
start_weir "$T/weir.json"

# Everything but client simulation and the per-protocol cipher list, which
# add a minute and judge nothing weir decides beyond what --std shows.
# Its own session (setsid -w waits for it) keeps testssl's clean-up away
# from this script's processes.
note "testssl $(dpkg-query -W -f '${Version}' testssl.sh 2>/dev/null || true)"
setsid -w timeout 110 testssl --quiet --warnings off --color 0 --ip 127.0.0.1 \
    --add-ca "$PKI/root.pem" --protocols --server-defaults \
    --server-preference --vulnerable --std --fs --headers \
    --jsonfile "$T/testssl.json" "a.test:$P" >"$T/testssl.out" 2>&1 || true
kill -0 "$WEIR_PID" 2>/dev/null || fail "weir is gone after testssl"
[ -s "$T/testssl.json" ] || fail "testssl wrote no JSON: $(tail -n 20 "$T/testssl.out")"

python3 - "$T/testssl.json" <<'EOF2' || fail "testssl findings (see above)"
import json, sys

# About the throwaway PKI, not about weir.
IGNORED = {"cert_revocation": "the test CA publishes no CRL or OCSP URI"}
found = {f["id"]: f for f in json.load(open(sys.argv[1]))}
bad = []
if "scanTime" not in found:
    bad.append("scan did not finish")
for fid, f in sorted(found.items()):
    if f["severity"] in ("HIGH", "CRITICAL") and fid not in IGNORED:
        bad.append("%s %s: %s" % (fid, f["severity"], f["finding"]))
for fid in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    got = found.get(fid, {}).get("finding", "missing")
    if got != "not offered":
        bad.append("%s: %s (want: not offered)" % (fid, got))
for fid in ("TLS1_2", "TLS1_3"):
    got = found.get(fid, {}).get("finding", "missing")
    if not got.startswith("offered"):
        bad.append("%s: %s (want: offered)" % (fid, got))
for fid in ("TLS1_2", "TLS1_3", "cert_chain_of_trust", "ALPN", "heartbleed",
            "ROBOT", "secure_client_renego", "fallback_SCSV", "LOGJAM"):
    print("# %s: %s %s" % (fid, found.get(fid, {}).get("severity"),
                           found.get(fid, {}).get("finding")))
for b in bad:
    print("FINDING: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF2
pass
