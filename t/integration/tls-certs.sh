# t/integration/tls-certs.sh: sourced by the TLS tests after lib.sh.
#
# make_tls_certs: a throwaway PKI in $T/pki made with the openssl CLI:
# root.pem (the CA clients trust), an intermediate CA, and leaf
# certificates a.test (RSA 2048) and b.test (P-256), each valid for NAME
# and www.NAME, whose cert file NAME.pem holds the leaf then the
# intermediate (the chain weir must send) and whose key is NAME.key.
make_tls_certs()
{
	local d=$T/pki n kt
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout root.key -out root.pem -days 100 \
		    -subj "/CN=weir test root"
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout int.key -out int.csr -subj "/CN=weir test intermediate"
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext
		openssl x509 -req -in int.csr -CA root.pem -CAkey root.key \
		    -CAcreateserial -days 100 -extfile int.ext -out int.pem
		for n in a b; do
			if [ "$n" = a ]; then
				kt=(-newkey rsa:2048)
			else
				kt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
			fi
			openssl req "${kt[@]}" -nodes -keyout "$n.key" \
			    -out "$n.csr" -subj "/CN=$n.test"
			printf 'subjectAltName=DNS:%s.test,DNS:www.%s.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
			    "$n" "$n" >"$n.ext"
			openssl x509 -req -in "$n.csr" -CA int.pem -CAkey int.key \
			    -CAcreateserial -days 90 -extfile "$n.ext" -out "$n.crt"
			cat "$n.crt" int.pem >"$n.pem"
		done
	) >"$T/pki.log" 2>&1 || { cat "$T/pki.log" >&2; fail "cannot make the test certificates"; }
	PKI=$d
}

# apache_tls_conf NAME: the lines that make start_apache's Apache speak
# only TLS with leaf NAME (for APACHE_EXTRA).
apache_tls_conf()
{
	local mods=/usr/lib/apache2/modules
	printf '%s\n' "LoadModule ssl_module $mods/mod_ssl.so" \
	    "LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so" \
	    "SSLEngine on" "SSLCertificateFile $PKI/$1.pem" \
	    "SSLCertificateKeyFile $PKI/$1.key"
}

# tls_cert_json NAME...: the "certificates" array for leaves NAME...
tls_cert_json()
{
	local n sep=
	printf '['
	for n in "$@"; do
		printf '%s{"cert": "%s/%s.pem", "key": "%s/%s.key"}' "$sep" \
		    "$PKI" "$n" "$PKI" "$n"
		sep=', '
	done
	printf ']'
}

# sclient PORT ARGS...: openssl s_client to 127.0.0.1:PORT with ARGS, stdin
# from /dev/null unless redirected, everything on stdout; never fails.
sclient()
{
	local p=$1
	shift
	timeout 10 openssl s_client -connect "127.0.0.1:$p" "$@" 2>&1 || true
}

# peer_subject PORT ARGS...: the subject of the leaf certificate served.
peer_subject()
{
	sclient "$@" </dev/null | openssl x509 -noout -subject 2>/dev/null ||
	    true
}
