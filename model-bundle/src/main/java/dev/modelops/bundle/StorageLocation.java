package dev.modelops.bundle;

import java.net.URI;
import java.nio.file.Path;

/**
 * Maps the storage URIs of modelops (docs/architecture.md) to local paths: a plain path
 * (relative ones against a base folder), {@code file://}, and {@code pvc://claim/path}, which
 * the operator mounts at {@code ${MODELOPS_PVC_ROOT:-/mnt/modelops}/claim/path}.
 */
public final class StorageLocation {
  private StorageLocation() {}

  /** The folder PersistentVolumeClaims are mounted under. */
  public static Path pvcRoot() {
    String root = System.getProperty("modelops.pvcRoot", System.getenv("MODELOPS_PVC_ROOT"));
    return Path.of(root == null || root.isBlank() ? "/mnt/modelops" : root);
  }

  /**
   * The local path of a location; {@code base} resolves relative paths (null: the working folder).
   *
   * @throws IllegalArgumentException naming the problem, for malformed pvc:// and other schemes
   */
  public static Path local(String uri, Path base) {
    if (uri.startsWith("file://")) {
      return Path.of(URI.create(uri));
    }
    if (uri.startsWith("pvc://")) {
      String rest = uri.substring("pvc://".length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new IllegalArgumentException("'" + uri + "' must be pvc://<claim>/<path>");
      }
      return pvcRoot().resolve(rest.substring(0, slash)).resolve(rest.substring(slash + 1));
    }
    if (uri.contains("://")) {
      throw new IllegalArgumentException("'" + uri + "' has an unsupported scheme; use a path, file:// or pvc://<claim>/<path>");
    }
    Path p = Path.of(uri);
    return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
  }
}
