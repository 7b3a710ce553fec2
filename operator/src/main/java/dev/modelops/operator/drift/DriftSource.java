package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.ModelVersion;

/** Where a policy's measurements come from: the model servers themselves, or Prometheus. */
public interface DriftSource {
  /** Measures the served version, merged over all its ready replicas. */
  Observation observe(DriftPolicy policy, ModelVersion version) throws SourceException;

  /** A measurement that could not be made; the message says what to fix. */
  final class SourceException extends Exception {
    public SourceException(String message) {
      super(message);
    }

    public SourceException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
