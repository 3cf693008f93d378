#!/usr/bin/env bash
# Regenerates testdata/pki: the certificates tests of TLS verification and
# mutual TLS use. Test material only; never use it anywhere else.
#   ca.crt/key            the test CA ("Spillway Test CA"), 100 years
#   server.crt/key        issued by ca for DNS:localhost, IP:127.0.0.1
#   wrong-host.crt/key    issued by ca for DNS:other.example only
#   service.crt/key       issued by ca for DNS:spillway-webhook.kube-system.svc (a webhook Service's name)
#   expired.crt/key       issued by ca for localhost/127.0.0.1, expired in 2020
#   rogue-ca.crt/key      another CA nobody trusts
#   rogue-server.crt/key  issued by rogue-ca for localhost/127.0.0.1
#   client.crt/key        client certificate (kube-scheduler) issued by ca
#   rogue-client.crt/key  client certificate issued by rogue-ca
#   ec.key                an EC key that belongs to no certificate here
set -euo pipefail
cd "$(dirname "$0")/../testdata/pki"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ca() {  # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 36500 \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() {  # name issuer subject san usage [startdate enddate]
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$work/$1.csr" -subj "/CN=$3" 2>/dev/null
  cat > "$work/ext.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = $5
${4:+subjectAltName = $4}
CNF
  : > "$work/index.txt"
  [ -f "$work/serial" ] || echo 1000 > "$work/serial"
  local dates=(-days 36500)
  if [ $# -ge 7 ]; then dates=(-startdate "$6" -enddate "$7"); fi
  openssl ca -batch -config "$work/ext.cnf" -extensions leaf -cert "$2.crt" -keyfile "$2.key" \
    -in "$work/$1.csr" -out "$1.crt" -notext "${dates[@]}" 2>/dev/null
}

ca ca "Spillway Test CA"
ca rogue-ca "Rogue CA"
leaf server ca localhost "DNS:localhost,IP:127.0.0.1" serverAuth
leaf wrong-host ca other.example "DNS:other.example" serverAuth
leaf service ca spillway-webhook.kube-system.svc "DNS:spillway-webhook.kube-system.svc" serverAuth
leaf expired ca localhost "DNS:localhost,IP:127.0.0.1" serverAuth 20200101000000Z 20200102000000Z
leaf rogue-server rogue-ca localhost "DNS:localhost,IP:127.0.0.1" serverAuth
leaf client ca system:kube-scheduler "" clientAuth
leaf rogue-client rogue-ca system:kube-scheduler "" clientAuth
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
echo "testdata/pki regenerated"
