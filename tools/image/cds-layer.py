#!/usr/bin/env python3
"""Adds an application class-data-sharing (AppCDS) archive to the model-server image archive Jib
wrote, so the server's classes are mapped instead of loaded and verified at start (the image's
start → ready is measured in docs/benchmarks.md).

    python3 tools/image/cds-layer.py IMAGE_TAR BUNDLE_DIR

A JDK 17 dynamic archive is only used when the classpath is exactly the one it was dumped with,
so the dump runs inside the image's own root filesystem: the image's layers are unpacked into a
scratch folder and the image's entrypoint runs there under chroot, in a private mount namespace,
as the image's user, with -XX:ArchiveClassesAtExit, serving BUNDLE_DIR until /v2/health/ready
answers; SIGTERM ends it and the JVM writes the archive. The archive becomes one more layer
(/app/cds/model-server.jsa), the entrypoint gains -XX:SharedArchiveFile (with -Xshare:auto a JVM
that cannot map it starts without it), and IMAGE_TAR and its .id file are rewritten. The other
layers are untouched; this layer alone differs from build to build (the JVM's archive is not
byte-for-byte reproducible). Needs root, for chroot and the mount namespace.
"""
import gzip, hashlib, io, json, os, shutil, signal, socket, subprocess, sys, tarfile, tempfile, time, urllib.request

ARCHIVE = "/app/cds/model-server.jsa"


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dump(root, config, bundle):
    """Runs the image's entrypoint in its root filesystem until ready, then SIGTERM: the archive."""
    os.makedirs(root + "/app/cds", exist_ok=True)
    os.chown(root + "/app/cds", 65532, 65532)
    shutil.copytree(bundle, root + "/tmp/cds-bundle")
    subprocess.run(["chown", "-R", "65532:65532", root + "/tmp/cds-bundle"], check=True)
    port = free_port()
    env = [e for e in config["config"].get("Env", [])] + ["MODEL_BUNDLE=/tmp/cds-bundle", "MICRONAUT_SERVER_PORT=%d" % port]
    entry = config["config"]["Entrypoint"]
    command = [entry[0], "-XX:ArchiveClassesAtExit=" + ARCHIVE] + entry[1:]
    user = config["config"].get("User", "65532:65532")
    script = ('r="$0"; u="$1"; shift; mount --bind /proc "$r/proc" && mount --bind /dev "$r/dev" && '
              'exec chroot --userspec="$u" "$r" /usr/bin/env -i "$@"')
    # Its output goes to a file: a pipe nobody reads while waiting for ready could fill and stall it.
    output = open(root + "/../dump.log", "w+b")
    server = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, root, user] + env + command,
                              stdout=output, stderr=subprocess.STDOUT)

    def printed():
        output.flush()
        output.seek(0)
        return output.read().decode(errors="replace")[-4000:]
    deadline = time.time() + 180
    ready = False
    while time.time() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/v2/health/ready" % port, timeout=2) as r:
                ready = r.status == 200
        except OSError:
            pass
        if ready:
            break
        time.sleep(0.1)
    if not ready:
        server.kill()
        server.wait()
        fail("the model server did not become ready for the CDS dump:\n" + printed())
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)
    jsa = root + ARCHIVE
    if not os.path.isfile(jsa):
        fail("the JVM wrote no CDS archive:\n" + printed())
    return jsa


def layer(jsa):
    """One layer holding the archive, as Jib writes its own: root-owned, fixed times."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in ("app", "app/cds"):
            info = tarfile.TarInfo(d + "/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1
            t.addfile(info)
        info = tarfile.TarInfo(ARCHIVE.lstrip("/"))
        info.size, info.mode, info.mtime = os.path.getsize(jsa), 0o444, 1
        with open(jsa, "rb") as f:
            t.addfile(info, f)
    data = raw.getvalue()
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as g:
        g.write(data)
    return hashlib.sha256(data).hexdigest(), packed.getvalue()


def main():
    if len(sys.argv) != 3:
        fail("usage: cds-layer.py IMAGE_TAR BUNDLE_DIR")
    image, bundle = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        fail("the CDS archive is dumped under chroot: run the image build as root, or pass -Dimage.cds=false")
    for tool in ("unshare", "chroot"):
        if shutil.which(tool) is None:
            fail(tool + " is missing (util-linux, coreutils)")
    work = tempfile.mkdtemp(prefix="cds-")
    try:
        with tarfile.open(image) as t:
            manifest = json.load(t.extractfile("manifest.json"))[0]
            config = json.load(t.extractfile(manifest["Config"]))
            if any(ARCHIVE in a for a in config["config"]["Entrypoint"]):
                print("%s already has its CDS archive" % image)
                return
            root = work + "/root"
            os.makedirs(root)
            for name in manifest["Layers"]:
                with tarfile.open(fileobj=t.extractfile(name), mode="r:*") as lt:
                    lt.extractall(root, numeric_owner=True)
        jsa = dump(root, config, bundle)
        diff_id, blob = layer(jsa)
        blob_name = hashlib.sha256(blob).hexdigest() + ".tar.gz"
        entry = config["config"]["Entrypoint"]
        config["config"]["Entrypoint"] = [entry[0], "-XX:SharedArchiveFile=" + ARCHIVE, "-Xshare:auto"] + entry[1:]
        config["rootfs"]["diff_ids"].append("sha256:" + diff_id)
        config["history"].append({"created": "1970-01-01T00:00:00Z", "created_by": "tools/image/cds-layer.py",
                                  "comment": "class-data-sharing archive of the application"})
        config_bytes = json.dumps(config, separators=(",", ":")).encode()
        manifest["Layers"].append(blob_name)
        out = image + ".tmp"
        with tarfile.open(image) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
            def put(name, data):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                dst.addfile(info, io.BytesIO(data))
            for member in src.getmembers():
                if member.name not in ("manifest.json", manifest["Config"]):
                    dst.addfile(member, src.extractfile(member))
            put(blob_name, blob)
            put(manifest["Config"], config_bytes)
            put("manifest.json", json.dumps([manifest], separators=(",", ":")).encode())
        os.replace(out, image)
        image_id = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
        base = image[: -len(".tar")] if image.endswith(".tar") else image
        with open(base + ".id", "w") as f:
            f.write(image_id)
        for stale in (base + ".digest", base + ".json"):
            if os.path.exists(stale):
                os.remove(stale)
        print("%s: CDS archive of %d MB added; image id %s" % (image, os.path.getsize(jsa) // 1000000, image_id))
    finally:
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
