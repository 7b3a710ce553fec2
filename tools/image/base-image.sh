#!/usr/bin/env bash
# Builds the base image of modelops' three images from Debian packages, with no daemon and no
# registry, and writes it as an image archive (docker-save format) that Jib takes as its base
# (`tar://` in the root pom's images profile).
#
#   bash tools/image/base-image.sh            # build unless present and current; prints the archive path
#   bash tools/image/base-image.sh --force    # rebuild
#   MODELOPS_BASE_VARIANT=jre bash tools/image/base-image.sh   # the other variant (see below)
#
# Two variants, measured in docs/benchmarks.md (the default is the smaller that runs all three):
#   jlink  a Debian minbase root plus a Java 17 runtime jlink-ed from the machine's JDK 17 jmods
#          with only the modules the three programs use, and a class-data-sharing archive of
#          their classes for a faster start (default)
#   jre    a Debian minbase root with Debian's openjdk-17-jre-headless
# Both have CA certificates and the non-root user 65532 ("nonroot", home /home/nonroot, no login
# shell), and work on a read-only root filesystem (writable paths are mounted volumes and /tmp).
# The archive goes to ${MODELOPS_IMAGE_CACHE:-~/.cache/modelops} and is reused while this script
# and the variant are unchanged.
set -euo pipefail

variant=${MODELOPS_BASE_VARIANT:-jlink}
cache=${MODELOPS_IMAGE_CACHE:-$HOME/.cache/modelops}
out="$cache/base-image.tar"
stamp="$cache/base-image.stamp"
suite=bookworm
here=$(cd "$(dirname "$0")" && pwd)
# Rebuilt when the variant or the script (comments aside) changes.
want="$variant $(grep -v '^[[:space:]]*#' "$here/base-image.sh" | sha256sum | cut -c1-16)"

die() { echo "error: $*" >&2; exit 1; }
if [ "${1:-}" != "--force" ] && [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$out"; exit 0
fi
case "$variant" in jre|jlink) ;; *) die "MODELOPS_BASE_VARIANT='$variant' is not a variant; use jlink or jre" ;; esac
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
[ "$(id -u)" -eq 0 ] || command -v unshare >/dev/null || die "run as root, or install uidmap for mmdebstrap's unshare mode"

# Modules of the Java 17 runtime the operator, the trainer and the model server may use: chosen
# generously (the java.* and jdk.* modules their libraries reach, directly or by reflection: naming
# for logback's JNDI lookups, DNS and EC crypto for TLS to the API server, management and jfr for
# Micrometer's JVM metrics, httpserver for the operator's probes), not derived by a tool; the
# image test runs all three programs on it. Add a module here if one is reported missing.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.httpserver,jdk.jfr,jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs,jdk.localedata

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

# Packages: the JRE or, for jlink, what a jlink-ed runtime and the native libraries of XGBoost and
# ONNX Runtime link against.
if [ "$variant" = jre ]; then
  include=ca-certificates,openjdk-17-jre-headless
  java_home=/usr/lib/jvm/java-17-openjdk-amd64
else
  jdk=${JDK17_HOME:-}
  if [ -z "$jdk" ]; then
    for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-1.17.0-openjdk-amd64 ${JAVA_HOME:-}; do
      [ -d "$d/jmods" ] && { jdk=$d; break; }
    done
  fi
  [ -n "$jdk" ] && [ -d "$jdk/jmods" ] && [ -x "$jdk/bin/jlink" ] \
    || die "no JDK 17 with jmods found for jlink: apt-get install openjdk-17-jdk-headless (or set JDK17_HOME, or MODELOPS_BASE_VARIANT=jre)"
  "$jdk/bin/java" -version 2>&1 | grep -q '"17\.' || die "$jdk is not a JDK 17 (set JDK17_HOME to one)"
  include=ca-certificates,libstdc++6,libgomp1,zlib1g
  java_home=/opt/java
  "$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$modules" --strip-debug --no-man-pages \
    --no-header-files --compress=2 --generate-cds-archive --output "$work/java"
fi

# The host's Debian sources, if it has them (so the same mirror and keys are used).
mirror=()
[ -f /etc/apt/sources.list.d/debian.sources ] && mirror=(/etc/apt/sources.list.d/debian.sources)

echo "building the $variant base image from Debian $suite packages..." >&2
SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --variant=minbase --include="$include" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --setup-hook='mkdir -p "$1/usr/share/man/man1"' \
  --customize-hook='echo "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" >> "$1/etc/passwd"' \
  --customize-hook='echo "nonroot:x:65532:" >> "$1/etc/group"' \
  --customize-hook='echo "nonroot:!:0::::::" >> "$1/etc/shadow"' \
  --customize-hook='install -d -o 65532 -g 65532 -m 0750 "$1/home/nonroot"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/cache/ldconfig/aux-cache' \
  ${jdk:+--customize-hook="copy-in $work/java /opt"} \
  --skip=cleanup/tmp \
  "$suite" "$work/rootfs.tar" "${mirror[@]}"

# Wrap the root filesystem as a one-layer image archive (docker-save format).
layer=$(sha256sum "$work/rootfs.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer"
mv "$work/rootfs.tar" "$work/image/$layer/layer.tar"
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ "$variant" = jlink ] && path="$java_home/bin:$path"
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"User":"65532:65532","Env":["PATH=$path","JAVA_HOME=$java_home","LANG=C.UTF-8","HOME=/home/nonroot"],"WorkingDir":"/home/nonroot"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"tools/image/base-image.sh: Debian $suite minbase, $variant Java 17, user 65532"}]}
JSON
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config.json"
printf '[{"Config":"%s.json","RepoTags":["modelops/base:17-%s"],"Layers":["%s/layer.tar"]}]\n' \
  "$config" "$variant" "$layer" > "$work/image/manifest.json"
mkdir -p "$cache"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/image" -cf "$out.tmp" \
  manifest.json "$config.json" "$layer/layer.tar"
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
echo "base image ($variant) built in $(( $(date +%s) - start )) s: $(du -h "$out" | cut -f1) $out" >&2
echo "$out"
