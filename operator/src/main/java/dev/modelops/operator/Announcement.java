package dev.modelops.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

/** An Event a decision asks for; the act step emits it about the reconciled object. */
public record Announcement(boolean warning, String reason, String message) {
  public static Announcement normal(String reason, String message) {
    return new Announcement(false, reason, message);
  }

  public static Announcement warning(String reason, String message) {
    return new Announcement(true, reason, message);
  }

  /** Emits the Event; an Event that cannot be recorded is logged, never a failed reconcile. */
  public void emit(KubernetesClient client, HasMetadata about) {
    if (warning) {
      Events.warning(client, about, reason, message);
    } else {
      Events.normal(client, about, reason, message);
    }
  }
}
