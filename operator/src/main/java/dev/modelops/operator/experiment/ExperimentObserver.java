package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.bundle.StorageLocation;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The observe step: trial Jobs from the informer (secondary resources of the Experiment), the
 * model's ModelVersions from the informer's index, the Pods of existing Jobs and, before the
 * first Job, whether the claims a trial mounts exist.
 */
final class ExperimentObserver {
  /** The index of ModelVersions by namespace and model. */
  static final String BY_MODEL = "model";

  private final OperatorSettings settings;
  private final InformerEventSource<ModelVersion, Experiment> versions;

  ExperimentObserver(OperatorSettings settings, InformerEventSource<ModelVersion, Experiment> versions) {
    this.settings = settings;
    this.versions = versions;
  }

  static String modelKey(String namespace, String model) {
    return namespace + "/" + model;
  }

  ExperimentObservation observe(Experiment exp, Context<Experiment> context) {
    KubernetesClient client = context.getClient();
    String ns = exp.getMetadata().getNamespace();
    Map<String, Job> jobs = new HashMap<>();
    Map<String, List<Pod>> pods = new HashMap<>();
    for (Job j : context.getSecondaryResources(Job.class)) {
      String name = j.getMetadata().getName();
      jobs.put(name, j);
      // The pods watch is not granted (see rbac/operator-clusterrole.yaml): read them for existing Jobs only.
      pods.put(name, client.pods().inNamespace(ns).withLabel("job-name", name).list().getItems());
    }
    ExperimentStatus.Phase phase = exp.getStatus() == null ? null : exp.getStatus().getPhase();
    boolean terminal = phase == ExperimentStatus.Phase.Succeeded || phase == ExperimentStatus.Phase.Failed;
    String missing = jobs.isEmpty() && !terminal ? missingVolume(exp, client) : null;
    return new ExperimentObservation(jobs, pods, missing, versions.byIndex(BY_MODEL, modelKey(ns, exp.getSpec().getModel())));
  }

  /** The claims a trial Job mounts that do not exist: a trial would wait forever for its volume. */
  private String missingVolume(Experiment exp, KubernetesClient client) {
    String ns = exp.getMetadata().getNamespace();
    String uri = exp.getSpec().getDataset().getUri();
    String claim = StorageLocation.claim(uri).orElse(null);
    if (claim != null && client.persistentVolumeClaims().inNamespace(ns).withName(claim).get() == null) {
      return "spec.dataset.uri: " + uri + " names the PersistentVolumeClaim '" + claim + "', which does not exist in namespace " + ns
          + "; create it (holding the data) or point spec.dataset.uri elsewhere";
    }
    String artifacts = settings.artifactsClaim();
    if (client.persistentVolumeClaims().inNamespace(ns).withName(artifacts).get() == null) {
      return "trial bundles are written to the PersistentVolumeClaim '" + artifacts + "' (operator setting MODELOPS_ARTIFACTS_CLAIM),"
          + " which does not exist in namespace " + ns + "; create it";
    }
    return null;
  }
}
