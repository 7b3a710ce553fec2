package dev.modelops.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events that explain the operator's decisions (kubectl describe shows them). */
public final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private Events() {}

  public static void normal(KubernetesClient client, HasMetadata about, String reason, String message) {
    emit(client, about, "Normal", reason, message);
  }

  public static void warning(KubernetesClient client, HasMetadata about, String reason, String message) {
    emit(client, about, "Warning", reason, message);
  }

  private static void emit(KubernetesClient client, HasMetadata about, String type, String reason, String message) {
    String now = Instant.now().toString();
    try {
      client.v1().events().inNamespace(about.getMetadata().getNamespace()).resource(new EventBuilder()
          .withNewMetadata().withGenerateName(about.getMetadata().getName() + ".").withNamespace(about.getMetadata().getNamespace()).endMetadata()
          .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind()).withName(about.getMetadata().getName())
          .withNamespace(about.getMetadata().getNamespace()).withUid(about.getMetadata().getUid()).endInvolvedObject()
          .withType(type).withReason(reason).withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .withNewSource().withComponent("modelops-operator").endSource()
          .build()).create();
    } catch (KubernetesClientException e) {
      // An event is an explanation, never a reason to fail a reconcile.
      LOG.warn("cannot record event {} on {}: {}", reason, about.getMetadata().getName(), e.getMessage());
    }
  }
}
