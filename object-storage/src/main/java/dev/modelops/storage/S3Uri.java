package dev.modelops.storage;

/**
 * An {@code s3://bucket/key} location: one object (a dataset) or a key prefix, a folder of objects
 * (a bundle). The key never starts with a slash; a prefix is used without its trailing one.
 */
public record S3Uri(String bucket, String key) {
  /** The scheme of a location in an S3-compatible object store. */
  public static final String SCHEME = "s3://";

  /** Whether {@code uri} is an s3:// location. */
  public static boolean is(String uri) {
    return uri != null && uri.startsWith(SCHEME);
  }

  /**
   * Parses {@code s3://bucket/key}.
   *
   * @param field the field or option the location came from, named in the error
   * @throws IllegalArgumentException naming the field, the value and the form allowed
   */
  public static S3Uri parse(String uri, String field) {
    if (!is(uri)) {
      throw new IllegalArgumentException(field + " '" + uri + "' is not an s3:// location; use s3://<bucket>/<key>");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    while (key.endsWith("/")) {
      key = key.substring(0, key.length() - 1);
    }
    if (!bucket.matches("[a-z0-9][-a-z0-9.]{1,61}[a-z0-9]") || key.isEmpty() || key.startsWith("/")) {
      throw new IllegalArgumentException(field + " '" + uri + "' must be s3://<bucket>/<key>: a bucket name of 3 to 63 lower-case"
          + " letters, digits, dots and hyphens, then a key or key prefix");
    }
    return new S3Uri(bucket, key);
  }

  @Override
  public String toString() {
    return SCHEME + bucket + "/" + key;
  }
}
