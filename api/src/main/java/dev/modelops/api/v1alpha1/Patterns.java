package dev.modelops.api.v1alpha1;

/** Regular expressions shared by the schemas; kept in one place so every kind accepts the same forms. */
public final class Patterns {
  /** A DNS-1035 label: used for model names, which become parts of object names. */
  public static final String MODEL_NAME = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  /**
   * A data location: file://, pvc://claim/path, http(s)://, s3://bucket/key, or a plain path
   * (absolute, or relative to the Experiment file when run outside the cluster).
   */
  public static final String DATA_URI =
      "^((file|https?)://\\S+|pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/\\S+|s3://[a-z0-9][-a-z0-9.]*/\\S+|[^:\\s]+)$";

  /**
   * A model artifact location: the same forms as data; http(s):// is then refused by a rule on
   * the artifact, with a message saying what is supported instead.
   */
  public static final String ARTIFACT_URI = DATA_URI;

  /** An http(s) URL (Prometheus, webhooks). */
  public static final String HTTP_URL = "^https?://\\S+$";

  /**
   * An http(s) URL whose host is written as a link-local or cloud metadata address: 169.254.0.0/16
   * (also with zeros in front), 100.100.100.200, metadata.google.internal, [fe80::/10],
   * [::ffff:169.254.x.x] and [fd00:ec2::254]. Behind such an address the node's metadata service
   * hands out cloud credentials. Written without backslashes, so that it can stand in a CEL string
   * as it is. What the literal forms miss (a name that resolves there, other notations) the
   * operator checks again on the resolved addresses.
   */
  public static final String LINK_LOCAL_URL = "(?i)^https?://([^/?#]*@)?("
      + "(0*169[.]0*254[.][0-9]+[.][0-9]+|100[.]100[.]100[.]200|metadata[.]google[.]internal[.]?)([:/?#]|$)"
      + "|[[](fe[89ab][0-9a-f]:|::ffff:(0*169[.]0*254[.]|a9fe:)|fd00:ec2::254[]%]))";

  /** A duration such as 90s, 15m, 1h30m or 7d. */
  public static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$";

  /** A DNS-1123 subdomain: the names of ServiceAccounts and most other Kubernetes objects. */
  public static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A key of a Secret's or ConfigMap's data. */
  public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

  /** A hyperparameter or column name. */
  public static final String IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_.\\-]*$";

  private Patterns() {}
}
