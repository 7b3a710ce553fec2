package dev.modelops.operator;

/**
 * The operator's own settings (environment variables), not defaults of any resource: which
 * images run trials and models, where trial bundles are written, and how locked down model
 * servers and DriftPolicy URLs are.
 *
 * @param trainerImage MODELOPS_TRAINER_IMAGE, the image of trial Jobs when spec.trainer.image is empty
 * @param serverImage MODELOPS_SERVER_IMAGE, the model-server image
 * @param artifactsClaim MODELOPS_ARTIFACTS_CLAIM, the PVC trial bundles are written to
 * @param serverAdminPort MODELOPS_SERVER_ADMIN_PORT, the port (named admin) model servers serve drift and metrics on
 *     instead of their inference port, so a NetworkPolicy can tell the two apart; 0: one port for everything
 * @param allowLinkLocalUrls MODELOPS_ALLOW_LINK_LOCAL_URLS, whether a DriftPolicy that says spec.allowLinkLocal may
 *     have its Prometheus and webhook URLs on link-local or cloud metadata addresses
 * @param mlflowTrackingUri MODELOPS_MLFLOW_TRACKING_URI, an MLflow tracking server: trials are logged to it as runs
 *     and registered versions as versions of its registered models; empty: no MLflow
 */
public record OperatorSettings(String trainerImage, String serverImage, String artifactsClaim, int serverAdminPort,
    boolean allowLinkLocalUrls, String mlflowTrackingUri) {
  /** The port model servers answer inference on (and, without an admin port, everything else). */
  public static final int SERVER_PORT = 8080;

  /** Images and claim; model servers on one port, link-local URLs refused. */
  public OperatorSettings(String trainerImage, String serverImage, String artifactsClaim) {
    this(trainerImage, serverImage, artifactsClaim, 0, false, "");
  }

  /** Without MLflow. */
  public OperatorSettings(String trainerImage, String serverImage, String artifactsClaim, int serverAdminPort, boolean allowLinkLocalUrls) {
    this(trainerImage, serverImage, artifactsClaim, serverAdminPort, allowLinkLocalUrls, "");
  }

  /** These settings with MLflow at {@code trackingUri}. */
  public OperatorSettings withMlflow(String trackingUri) {
    return new OperatorSettings(trainerImage, serverImage, artifactsClaim, serverAdminPort, allowLinkLocalUrls, trackingUri);
  }

  /** Whether an MLflow tracking server is configured. */
  public boolean mlflow() {
    return !mlflowTrackingUri.isEmpty();
  }

  public OperatorSettings {
    mlflowTrackingUri = mlflowTrackingUri == null ? "" : mlflowTrackingUri.trim();
    if (!mlflowTrackingUri.isEmpty() && !mlflowTrackingUri.matches("https?://\\S+")) {
      throw new IllegalArgumentException("MODELOPS_MLFLOW_TRACKING_URI is '" + mlflowTrackingUri
          + "': give the tracking server's http(s) URL (e.g. http://mlflow.mlflow.svc:5000), or leave it empty for no MLflow");
    }
    if (serverAdminPort != 0 && (serverAdminPort < 1024 || serverAdminPort > 65535 || serverAdminPort == SERVER_PORT)) {
      // Below 1024 a server without capabilities cannot bind; 8080 is inference's own.
      throw new IllegalArgumentException("MODELOPS_SERVER_ADMIN_PORT is " + serverAdminPort
          + ": give a port from 1024 to 65535 other than " + SERVER_PORT + ", or 0 to serve everything on " + SERVER_PORT);
    }
  }

  /** The non-root user (and group) of the project's images; trial and server Pods run as it. */
  public static final long IMAGE_UID = 65532L;

  /** The version this operator was built as: the tag of the images the same build made. */
  public static final String VERSION = buildVersion();

  /** Reads the settings from the environment; the images default to the ones built with this operator. */
  public static OperatorSettings fromEnvironment() {
    return new OperatorSettings(
        env("MODELOPS_TRAINER_IMAGE", defaultImage("trainer-job")),
        env("MODELOPS_SERVER_IMAGE", defaultImage("model-server")),
        env("MODELOPS_ARTIFACTS_CLAIM", "modelops-artifacts"),
        port(env("MODELOPS_SERVER_ADMIN_PORT", "0")),
        flag("MODELOPS_ALLOW_LINK_LOCAL_URLS", env("MODELOPS_ALLOW_LINK_LOCAL_URLS", "false")),
        env("MODELOPS_MLFLOW_TRACKING_URI", ""));
  }

  private static int port(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("MODELOPS_SERVER_ADMIN_PORT is '" + value + "': give a port number (e.g. 8081), or 0 for none");
    }
  }

  private static boolean flag(String name, String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(name + " is '" + value + "': give true or false");
    };
  }

  /** The image {@code ./mvnw package -Pimages} builds for a module, e.g. modelops/model-server:0.1.0. */
  public static String defaultImage(String module) {
    return "modelops/" + module + ":" + VERSION;
  }

  private static String buildVersion() {
    var props = new java.util.Properties();
    try (var in = OperatorSettings.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("version.properties is missing from the operator's classpath (a broken build)");
      }
      props.load(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return props.getProperty("version");
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
