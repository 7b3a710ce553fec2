package dev.modelops.operator;

/**
 * The operator's own settings (environment variables), not defaults of any resource: which
 * images run trials and models, where trial bundles are written, and which DriftPolicy URLs it
 * may call.
 *
 * @param trainerImage MODELOPS_TRAINER_IMAGE, the image of trial Jobs when spec.trainer.image is empty
 * @param serverImage MODELOPS_SERVER_IMAGE, the model-server image
 * @param artifactsClaim MODELOPS_ARTIFACTS_CLAIM, the PVC trial bundles are written to
 * @param allowLinkLocalUrls MODELOPS_ALLOW_LINK_LOCAL_URLS, whether a DriftPolicy that says spec.allowLinkLocal may
 *     have its Prometheus and webhook URLs on link-local or cloud metadata addresses
 */
public record OperatorSettings(String trainerImage, String serverImage, String artifactsClaim, boolean allowLinkLocalUrls) {
  /** Images and claim; link-local URLs refused. */
  public OperatorSettings(String trainerImage, String serverImage, String artifactsClaim) {
    this(trainerImage, serverImage, artifactsClaim, false);
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
        flag("MODELOPS_ALLOW_LINK_LOCAL_URLS", env("MODELOPS_ALLOW_LINK_LOCAL_URLS", "false")));
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
