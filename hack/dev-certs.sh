#!/usr/bin/env bash
# Makes certificates for running the agent's mutual-TLS listener locally:
#   DIR/ca.crt, DIR/ca.key                 the CA the agent trusts for clients (and that signs the agent)
#   DIR/agent.crt, DIR/agent.key           the agent's server certificate (DNS localhost, cryo-agent; IP 127.0.0.1)
#   DIR/operator.crt, DIR/operator.key     a client certificate with the identity cryo-operator
#   DIR/other-ca.crt, DIR/other-operator.crt/.key   a look-alike operator certificate from another CA (for tests)
# Usage: hack/dev-certs.sh DIR [DAYS]
# Then: dotnet run --project src/Cryo.Agent -- --store /tmp/cryo-store --socket /tmp/cryo.sock \
#         --tcp-port 7443 --tls-cert DIR/agent.crt --tls-key DIR/agent.key --client-ca DIR/ca.crt
set -euo pipefail

dir=${1:?usage: hack/dev-certs.sh DIR [DAYS]}
days=${2:-365}
command -v openssl >/dev/null || { echo "dev-certs.sh: openssl is needed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
chmod 700 "$dir"
umask 077
cd "$dir"

# A CA: key, self-signed certificate allowed to sign certificates only.
make_ca() { # name subject
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days "$days" \
    -keyout "$1.key" -out "$1.crt" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# A leaf signed by a CA. name ca subject extendedKeyUsage subjectAltName
make_leaf() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$4" "$5" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days "$days" -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

make_ca ca "/CN=cryo-dev-ca"
make_leaf agent ca "/CN=cryo-agent" serverAuth,clientAuth "DNS:localhost,DNS:cryo-agent,IP:127.0.0.1"
make_leaf operator ca "/CN=cryo-operator" clientAuth "DNS:cryo-operator"
make_ca other-ca "/CN=cryo-other-ca"
make_leaf other-operator other-ca "/CN=cryo-operator" clientAuth "DNS:cryo-operator"
rm -f ./*.srl
echo "dev-certs.sh: wrote ca, agent, operator and other-operator certificates to $(pwd)"
