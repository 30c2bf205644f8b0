#!/bin/sh
# SPDX-License-Identifier: MIT
# Test PKI for devemu, generated at build time (never committed): a root CA, an intermediate
# CA and a leaf (SPDM slot 0: end entity, digitalSignature only), plus a "rogue" set from a
# root nobody trusts. Also the trust anchors as digests of the root certificate, and leaf
# variants under the same intermediate for the certificate policy (devemu --leaf NAME):
# expired_ (2020-2021), future_ (2040-2050), reqeku_ (extended key usage: SPDM requester
# authentication only), rspeku_ (SPDM responder authentication).
#   mkpki.sh OUTDIR CURVE HASH     e.g. mkpki.sh build/tools/pki/p384 secp384r1 sha384
set -eu
out=$1 curve=$2 md=$3
mkdir -p "$out"
cd "$out"
cat >ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[reqeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.412.274.4
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[rspeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.412.274.3, serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
# `openssl ca` sets validity dates; it wants a small database.
cat >ca.cnf <<'CNF'
[ca]
default_ca = moat
[moat]
database = index.txt
new_certs_dir = .
serial = serial
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
CNF
: >index.txt
echo 1000 >serial
key() { openssl ecparam -name "$curve" -genkey -noout -out "$1.key" 2>/dev/null; }
der() { openssl x509 -in "$1.pem" -outform DER -out "$1.der"; }
chain() { # prefix, root common name
	p=$1
	key "${p}root"
	openssl req -x509 -new -key "${p}root.key" -"$md" -days 36500 -subj "/CN=$2" \
		-config ext.cnf -extensions ca -out "${p}root.pem" 2>/dev/null
	key "${p}inter"
	openssl req -new -key "${p}inter.key" -subj "/CN=$2 intermediate" -out "${p}inter.csr"
	openssl x509 -req -in "${p}inter.csr" -CA "${p}root.pem" -CAkey "${p}root.key" \
		-CAcreateserial -"$md" -days 36500 -extfile ext.cnf -extensions inter \
		-out "${p}inter.pem" 2>/dev/null
	key "${p}leaf"
	openssl req -new -key "${p}leaf.key" -subj "/CN=devemu SPDM responder" -out "${p}leaf.csr"
	openssl x509 -req -in "${p}leaf.csr" -CA "${p}inter.pem" -CAkey "${p}inter.key" \
		-CAcreateserial -"$md" -days 36500 -extfile ext.cnf -extensions leaf \
		-out "${p}leaf.pem" 2>/dev/null
	for c in root inter leaf; do der "$p$c"; done
}
chain "" "Moat test root CA"
chain rogue_ "Rogue root CA"
# variant(prefix, extensions section, start, end): a leaf under the main intermediate
variant() {
	key "$1leaf"
	openssl req -new -key "$1leaf.key" -subj "/CN=devemu SPDM responder $1" -out "$1leaf.csr"
	openssl ca -batch -config ca.cnf -md "$md" -cert inter.pem -keyfile inter.key \
		-in "$1leaf.csr" -out "$1leaf.pem" -startdate "$3" -enddate "$4" -notext \
		-extfile ext.cnf -extensions "$2" 2>/dev/null
	der "$1leaf"
}
variant expired_ leaf 20200101000000Z 20210101000000Z
variant future_ leaf 20400101000000Z 20500101000000Z
variant reqeku_ reqeku 20200101000000Z 20991231000000Z
variant rspeku_ rspeku 20200101000000Z 20991231000000Z
openssl dgst -sha384 -r root.der | cut -d' ' -f1 >root.sha384
openssl dgst -sha256 -r root.der | cut -d' ' -f1 >root.sha256
rm -f ./*.csr ./*.srl ./[0-9A-F]*.pem index.txt* serial* ca.cnf
