package dev.modelops.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes Event that explains one of the operator's decisions (kubectl describe shows it);
 * a decision asks for it, the act step emits it about the reconciled object.
 */
public record Announcement(boolean warning, String reason, String message) {
  private static final Logger LOG = LoggerFactory.getLogger(Announcement.class);

  public static Announcement normal(String reason, String message) {
    return new Announcement(false, reason, message);
  }

  public static Announcement warning(String reason, String message) {
    return new Announcement(true, reason, message);
  }

  /**
   * Emits the Event, stamped {@code now} (the reconciler's clock); an Event that cannot be
   * recorded is logged, never a failed reconcile.
   */
  public void emit(KubernetesClient client, HasMetadata about, Instant now) {
    String ns = about.getMetadata().getNamespace();
    String time = now.toString();
    try {
      client.v1().events().inNamespace(ns).resource(new EventBuilder()
          .withNewMetadata().withGenerateName(about.getMetadata().getName() + ".").withNamespace(ns).endMetadata()
          .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind()).withName(about.getMetadata().getName())
          .withNamespace(ns).withUid(about.getMetadata().getUid()).endInvolvedObject()
          .withType(warning ? "Warning" : "Normal").withReason(reason).withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
          .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
          .withNewSource().withComponent("modelops-operator").endSource()
          .build()).create();
    } catch (KubernetesClientException e) {
      // An event is an explanation, never a reason to fail a reconcile.
      LOG.warn("cannot record event {} on {}: {}", reason, about.getMetadata().getName(), e.getMessage());
    }
  }
}
