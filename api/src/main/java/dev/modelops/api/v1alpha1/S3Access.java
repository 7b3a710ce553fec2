package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * How the Pods the operator makes reach an s3:// location: the store's endpoint and region, and
 * the Secret holding the key. The operator sets them as the standard AWS variables
 * (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
 */
@Data
@NoArgsConstructor
@AllArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class S3Access {
  /** The message of the rule that keeps s3 beside an s3:// uri only. */
  static final String ONLY_FOR_S3 = "s3 is for an s3:// uri only: remove it, or use s3://<bucket>/<key>";

  @Pattern(Patterns.HTTP_URL)
  @Size(max = 2048)
  @JsonPropertyDescription(
      "The endpoint of an S3-compatible store (MinIO, Ceph, SeaweedFS, ...), e.g."
          + " http://minio.storage:9000; requests use path-style addressing. Empty: AWS S3.")
  private String endpoint;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 63)
  @JsonPropertyDescription("The region requests are signed for, e.g. eu-west-1. Empty: us-east-1.")
  private String region;

  @JsonPropertyDescription(
      "The Secret in this namespace holding the key: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
          + " (and, for temporary credentials, AWS_SESSION_TOKEN). Empty: the Pod's own AWS"
          + " credentials, if any (e.g. its node's instance role).")
  private SecretRef secretRef;

  /** A Secret in the resource's namespace. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretRef {
    @Required
    @Pattern(Patterns.OBJECT_NAME)
    @Size(max = 253)
    @JsonPropertyDescription("The Secret's name.")
    private String name;
  }
}
