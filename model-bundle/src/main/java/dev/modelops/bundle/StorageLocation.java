package dev.modelops.bundle;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one home of the local storage URIs of modelops (docs/architecture.md): a plain path
 * (relative ones against a base folder), {@code file://}, {@code http(s)://} (datasets, reading
 * only) and {@code pvc://claim/path}, which the operator mounts at
 * {@code ${MODELOPS_PVC_ROOT:-/mnt/modelops}/claim/path}. {@code s3://bucket/key} locations are
 * read and written over the network by the object-storage module (trainer and model server),
 * never resolved here.
 */
public final class StorageLocation {
  /** The scheme of a location on a PersistentVolumeClaim. */
  public static final String PVC = "pvc://";
  /** Where the operator mounts claims in trainer and model-server pods, unless MODELOPS_PVC_ROOT says otherwise. */
  public static final String DEFAULT_PVC_ROOT = "/mnt/modelops";
  /** The environment variable naming the mount root of claims. */
  public static final String PVC_ROOT_ENV = "MODELOPS_PVC_ROOT";

  private StorageLocation() {}

  /** The folder PersistentVolumeClaims are mounted under. */
  public static Path pvcRoot() {
    String root = System.getProperty("modelops.pvcRoot", System.getenv(PVC_ROOT_ENV));
    return Path.of(root == null || root.isBlank() ? DEFAULT_PVC_ROOT : root);
  }

  /** The claim a {@code pvc://} location is on; empty for any other location. */
  public static Optional<String> claim(String uri) {
    if (uri == null || !uri.startsWith(PVC)) {
      return Optional.empty();
    }
    String claim = uri.substring(PVC.length()).split("/", 2)[0];
    return claim.isEmpty() ? Optional.empty() : Optional.of(claim);
  }

  /** The location {@code pvc://<claim>/<path...>}. */
  public static String pvc(String claim, String... path) {
    return PVC + claim + (path.length == 0 ? "" : "/" + String.join("/", path));
  }

  /** Where a claim is mounted in a pod the operator makes. */
  public static String mountPath(String claim) {
    return DEFAULT_PVC_ROOT + "/" + claim;
  }

  /** Whether a location is read over HTTP. */
  public static boolean isHttp(String uri) {
    return uri.startsWith("http://") || uri.startsWith("https://");
  }

  /**
   * The local path of a location; {@code base} resolves relative paths (null: the working folder).
   *
   * @throws IllegalArgumentException naming the problem, for malformed pvc:// and other schemes
   */
  public static Path local(String uri, Path base) {
    return local(uri, base, pvcRoot());
  }

  /**
   * The local path of a location, with claims under {@code pvcRoot} rather than {@link #pvcRoot()}
   * (a program run in-process beside others, such as the trainer in a test, names its own).
   *
   * @throws IllegalArgumentException naming the problem, for malformed pvc:// and other schemes
   */
  public static Path local(String uri, Path base, Path pvcRoot) {
    if (uri.startsWith("file://")) {
      return Path.of(URI.create(uri));
    }
    if (uri.startsWith(PVC)) {
      String rest = uri.substring(PVC.length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new IllegalArgumentException("'" + uri + "' must be pvc://<claim>/<path>");
      }
      return pvcRoot.resolve(rest.substring(0, slash)).resolve(rest.substring(slash + 1));
    }
    if (uri.contains("://")) {
      throw new IllegalArgumentException("'" + uri + "' has an unsupported scheme; use a path, file://, pvc://<claim>/<path> or s3://<bucket>/<key>");
    }
    Path p = Path.of(uri);
    return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
  }
}
