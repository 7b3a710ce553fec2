package dev.modelops.operator;

import dev.modelops.api.v1alpha1.S3Access;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The S3 settings of a resource ({@code spec.dataset.s3}, {@code spec.artifact.s3}) as the
 * standard AWS variables the trainer and the model server read (object-storage): the endpoint
 * and region as values, the key from the named Secret. The key never passes through the operator:
 * the kubelet reads the Secret, so the operator needs no access to Secrets.
 */
public final class S3Environment {
  /** The keys read from the Secret; the session token only if the Secret has one. */
  static final String ACCESS_KEY = "AWS_ACCESS_KEY_ID";
  static final String SECRET_KEY = "AWS_SECRET_ACCESS_KEY";
  static final String SESSION_TOKEN = "AWS_SESSION_TOKEN";

  private S3Environment() {}

  /** The variables for {@code access}; none for null. */
  public static List<EnvVar> of(S3Access access) {
    List<EnvVar> env = new ArrayList<>();
    if (access == null) {
      return env;
    }
    if (access.getEndpoint() != null) {
      env.add(new EnvVar("AWS_ENDPOINT_URL_S3", access.getEndpoint(), null));
    }
    if (access.getRegion() != null) {
      env.add(new EnvVar("AWS_REGION", access.getRegion(), null));
    }
    if (access.getSecretRef() != null) {
      String secret = access.getSecretRef().getName();
      env.add(fromSecret(ACCESS_KEY, secret, false));
      env.add(fromSecret(SECRET_KEY, secret, false));
      env.add(fromSecret(SESSION_TOKEN, secret, true));
    }
    return env;
  }

  private static EnvVar fromSecret(String key, String secret, boolean optional) {
    return new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef(key, secret, optional ? true : null).endValueFrom().build();
  }
}
