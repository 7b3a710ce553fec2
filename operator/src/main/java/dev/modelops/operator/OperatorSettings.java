package dev.modelops.operator;

/**
 * The operator's own settings (environment variables), not defaults of any resource: which
 * images run trials and models, and where trial bundles are written.
 *
 * @param trainerImage MODELOPS_TRAINER_IMAGE, the image of trial Jobs when spec.trainer.image is empty
 * @param serverImage MODELOPS_SERVER_IMAGE, the model-server image
 * @param artifactsClaim MODELOPS_ARTIFACTS_CLAIM, the PVC trial bundles are written to
 */
public record OperatorSettings(String trainerImage, String serverImage, String artifactsClaim) {
  /** Reads the settings from the environment, with the defaults of the Helm chart. */
  public static OperatorSettings fromEnvironment() {
    return new OperatorSettings(
        env("MODELOPS_TRAINER_IMAGE", "modelops/trainer-job:0.1.0"),
        env("MODELOPS_SERVER_IMAGE", "modelops/model-server:0.1.0"),
        env("MODELOPS_ARTIFACTS_CLAIM", "modelops-artifacts"));
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
