package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.Experiment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Instant;

/**
 * The act step for a DriftPolicy: creates the retraining Experiment (once: one that exists
 * already counts as made), emits the Events, posts to the webhook and publishes the metrics.
 */
final class PolicyActions {
  private static final int UNPROCESSABLE = 422;

  private final PolicyMetrics metrics;
  private final Webhooks webhooks;

  PolicyActions(PolicyMetrics metrics, Webhooks webhooks) {
    this.metrics = metrics;
    this.webhooks = webhooks;
  }

  /**
   * Carries out the actions that change the cluster (the retraining Experiment) and publishes the
   * metrics (check values, state, retrains started): what a scrape shows is never behind the
   * status. Returns the API server's refusal of the retraining Experiment (decide again knowing
   * it; nothing else was done), or null.
   */
  String act(DriftPolicy policy, PolicyDecision.Outcome outcome, java.util.List<Experiment> retrains, KubernetesClient client) {
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    for (PolicyAction action : outcome.actions()) {
      if (action instanceof PolicyAction.StartRetrain s) {
        String refused = create(s.experiment(), client);
        if (refused != null) {
          return RetrainExperiment.refusal(policy, refused);
        }
        metrics.retrain(ns, name, policy.getSpec().getModel());
      }
    }
    outcome.checks().forEach(o -> metrics.check(ns, name, o.check().getMetric().name(), o.check().getFeature(), o.value()));
    metrics.state(ns, name, outcome.status().getState());
    String model = policy.getSpec().getModel();
    policy.getSpec().getChecks().forEach(c -> metrics.bands(ns, name, model, c));
    metrics.lastRetrainFailed(ns, name, model, RetrainExperiment.lastFailed(retrains));
    return null;
  }

  /** Tells what the decision found, once its status is recorded: Events stamped {@code now}, the webhook. */
  void announce(DriftPolicy policy, PolicyDecision.Outcome outcome, KubernetesClient client, Instant now) {
    for (PolicyAction action : outcome.actions()) {
      if (action instanceof PolicyAction.Announce a) {
        a.announcement().emit(client, policy, now);
      } else if (action instanceof PolicyAction.Notify n) {
        webhooks.post(n.url(), n.json());
      }
    }
  }

  /** Creates the Experiment; the server's message when it refuses it as invalid, else null. */
  private static String create(Experiment experiment, KubernetesClient client) {
    try {
      client.resource(experiment).create();
      return null;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return null;
      }
      if (e.getCode() == UNPROCESSABLE) {
        return e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage();
      }
      throw e;
    }
  }
}
