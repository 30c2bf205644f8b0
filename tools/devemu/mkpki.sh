#!/bin/sh
# SPDX-License-Identifier: MIT
# Test PKI for devemu, generated at build time (never committed): a root CA, an intermediate
# CA and a leaf (SPDM slot 0: end entity, digitalSignature only), plus a "rogue" set from a
# root nobody trusts. Also the trust anchors as digests of the root certificate.
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
CNF
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
openssl dgst -sha384 -r root.der | cut -d' ' -f1 >root.sha384
openssl dgst -sha256 -r root.der | cut -d' ' -f1 >root.sha256
rm -f ./*.csr ./*.srl
