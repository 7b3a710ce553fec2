package dev.modelops.operator.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.operator.Announcement;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two Experiments of one model finishing together both number their version from a cache that
 * has not seen the other's yet: on a real API server, the second one's create is refused (409),
 * and its registration must not be taken as made (that would lose its version and point its
 * status at the other's); the same Experiment finding its own version (a retried reconcile) is.
 */
class RegistrationCollisionTest {
  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces("reg");
  static final OperatorSettings SETTINGS = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts");

  static Experiment experiment(String name) {
    Experiment exp = new Experiment();
    exp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("reg").build());
    return exp;
  }

  static ModelVersion version(String experiment) {
    ModelVersion mv = new ModelVersion();
    mv.setMetadata(new ObjectMetaBuilder().withName("churn-v2").withNamespace("reg")
        .withLabels(Map.of(Labels.EXPERIMENT, experiment)).build());
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel("churn");
    spec.setVersion(2);
    ModelVersionSpec.Artifact a = new ModelVersionSpec.Artifact();
    a.setUri("pvc://modelops-artifacts/reg/" + experiment + "/t0");
    spec.setArtifact(a);
    spec.setStage(ModelVersionSpec.Stage.Staging);
    mv.setSpec(spec);
    return mv;
  }

  static List<String> registeredEvents(KubernetesClient client, String experiment) {
    return client.v1().events().inNamespace("reg").list().getItems().stream()
        .filter(e -> experiment.equals(e.getInvolvedObject().getName()) && "VersionRegistered".equals(e.getReason()))
        .map(e -> e.getMessage()).toList();
  }

  @Test
  void aVersionNameTakenByAnotherExperimentIsNotTakenAsRegistered() {
    KubernetesClient client = kube.client();
    ExperimentActions actions = new ExperimentActions(SETTINGS);
    Instant now = Instant.now();
    ExperimentAction.Register first = new ExperimentAction.Register(version("retrain-a"), Announcement.normal("VersionRegistered", "registered churn-v2"));
    assertThat(actions.run(experiment("retrain-a"), List.of(first), client, now)).isTrue();

    // retrain-b numbered its version from the same cache: churn-v2 as well.
    ExperimentAction.Register second = new ExperimentAction.Register(version("retrain-b"), Announcement.normal("VersionRegistered", "registered churn-v2"));
    assertThat(actions.run(experiment("retrain-b"), List.of(second), client, now))
        .as("not recorded: the next reconcile numbers retrain-b's version again").isFalse();
    assertThat(registeredEvents(client, "retrain-b")).isEmpty();
    assertThat(client.resources(ModelVersion.class).inNamespace("reg").withName("churn-v2").get().getMetadata().getLabels())
        .as("retrain-a's version is left as it was").containsEntry(Labels.EXPERIMENT, "retrain-a");

    // retrain-a's reconcile retried (its status write was lost): its own version counts as made, announced once.
    assertThat(actions.run(experiment("retrain-a"), List.of(first), client, now)).isTrue();
    assertThat(registeredEvents(client, "retrain-a")).hasSize(1);
  }
}
