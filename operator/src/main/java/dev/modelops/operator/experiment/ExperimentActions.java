package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.operator.Announcement;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.List;

/**
 * The act step for an Experiment: carries out a decision's actions in order. Creation is
 * idempotent: an object that exists already (a cache that had not seen it yet) counts as made.
 */
final class ExperimentActions {
  private final OperatorSettings settings;

  ExperimentActions(OperatorSettings settings) {
    this.settings = settings;
  }

  /** Carries out {@code actions}; Events are stamped {@code now}, the time the decision was made at. */
  void run(Experiment exp, List<ExperimentAction> actions, KubernetesClient client, Instant now) {
    String ns = exp.getMetadata().getNamespace();
    for (ExperimentAction action : actions) {
      if (action instanceof ExperimentAction.StartTrial s) {
        if (createOnce(() -> client.resource(TrialJobs.build(exp, s.index(), s.params(), settings)).create())) {
          Announcement.normal("TrialStarted", "trial " + s.name() + " started with " + s.params()).emit(client, exp, now);
        }
      } else if (action instanceof ExperimentAction.StopTrial s) {
        client.batch().v1().jobs().inNamespace(ns).withName(s.name()).delete();
      } else if (action instanceof ExperimentAction.Register r) {
        if (createOnce(() -> client.resource(r.version()).create())) {
          r.announcement().emit(client, exp, now);
        }
      } else if (action instanceof ExperimentAction.Announce a) {
        a.announcement().emit(client, exp, now);
      }
    }
  }

  /** Creates an object; false when it existed already. */
  private static boolean createOnce(Runnable create) {
    try {
      create.run();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return false;
      }
      throw e;
    }
  }
}
