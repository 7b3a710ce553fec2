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
 * The observe step: trial Jobs from the informer (secondary resources of the Experiment), their
 * Pods and the model's ModelVersions from informer indexes and, before the first Job, whether the
 * claims a trial mounts exist.
 */
final class ExperimentObserver {
  /** The index of ModelVersions by namespace and model. */
  static final String BY_MODEL = "model";
  /** The index of trial Pods by namespace and Job. */
  static final String BY_JOB = "job";

  private final OperatorSettings settings;
  private final InformerEventSource<ModelVersion, Experiment> versions;
  private final InformerEventSource<Pod, Experiment> pods;

  ExperimentObserver(OperatorSettings settings, InformerEventSource<ModelVersion, Experiment> versions,
      InformerEventSource<Pod, Experiment> pods) {
    this.settings = settings;
    this.versions = versions;
    this.pods = pods;
  }

  /** The key of both indexes: a namespace and a name. */
  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  ExperimentObservation observe(Experiment exp, Context<Experiment> context) {
    KubernetesClient client = context.getClient();
    String ns = exp.getMetadata().getNamespace();
    Map<String, Job> jobs = new HashMap<>();
    Map<String, List<Pod>> podsByJob = new HashMap<>();
    for (Job j : context.getSecondaryResources(Job.class)) {
      String name = j.getMetadata().getName();
      jobs.put(name, j);
      podsByJob.put(name, pods.byIndex(BY_JOB, key(ns, name)));
    }
    ExperimentStatus.Phase phase = exp.getStatus() == null ? null : exp.getStatus().getPhase();
    boolean terminal = phase == ExperimentStatus.Phase.Succeeded || phase == ExperimentStatus.Phase.Failed;
    String missing = jobs.isEmpty() && !terminal ? missingVolume(exp, client) : null;
    return new ExperimentObservation(jobs, podsByJob, missing, versions.byIndex(BY_MODEL, key(ns, exp.getSpec().getModel())));
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
