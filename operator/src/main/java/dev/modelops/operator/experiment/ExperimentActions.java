package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.Announcement;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The act step for an Experiment: carries out a decision's actions in order. Creation is
 * idempotent: an object that exists already (a cache that had not seen it yet) counts as made.
 */
final class ExperimentActions {
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentActions.class);
  private final OperatorSettings settings;

  ExperimentActions(OperatorSettings settings) {
    this.settings = settings;
  }

  /**
   * Carries out {@code actions}; Events are stamped {@code now}, the time the decision was made at.
   * Returns false when the decision must not be recorded: the version name it registers was taken a
   * moment ago by another Experiment of the same model (the cache had not seen it yet); the next
   * reconcile numbers the version again, so neither registration is lost.
   */
  boolean run(Experiment exp, List<ExperimentAction> actions, KubernetesClient client, Instant now) {
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
        } else if (!registeredBy(exp, existing(client, r.version()))) {
          LOG.info("{} was registered by another Experiment a moment ago; {} numbers its version again",
              r.version().getMetadata().getName(), exp.getMetadata().getName());
          return false;
        }
      } else if (action instanceof ExperimentAction.Announce a) {
        a.announcement().emit(client, exp, now);
      }
    }
    return true;
  }

  /**
   * The version of that name as the API server has it now (not the cache, which had not seen it),
   * or null: read by a list restricted to the name, as the operator may list versions but not get one.
   */
  private static ModelVersion existing(KubernetesClient client, ModelVersion version) {
    return client.resources(ModelVersion.class).inNamespace(version.getMetadata().getNamespace())
        .withField("metadata.name", version.getMetadata().getName()).list().getItems().stream().findFirst().orElse(null);
  }

  /** Whether {@code existing} (null: deleted since) is the version this Experiment registered. */
  static boolean registeredBy(Experiment exp, ModelVersion existing) {
    return existing != null && existing.getMetadata().getLabels() != null
        && exp.getMetadata().getName().equals(existing.getMetadata().getLabels().get(Labels.EXPERIMENT));
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
