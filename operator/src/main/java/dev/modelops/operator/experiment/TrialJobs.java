package dev.modelops.operator.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.bundle.StorageLocation;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OwnerReferences;
import dev.modelops.operator.Resources;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.PodSecurity;
import dev.modelops.operator.S3Environment;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the Job that runs one trial (see docs/architecture.md for the trainer contract). */
public final class TrialJobs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrialJobs() {}

  /** The deterministic name of a trial (and its Job): {@code <experiment>-t<index>}. */
  public static String trialName(String experiment, int index) {
    return experiment + "-t" + index;
  }

  /** Where a trial writes its bundle. */
  public static String bundleUri(OperatorSettings settings, Experiment exp, String trial) {
    return StorageLocation.pvc(settings.artifactsClaim(), exp.getMetadata().getNamespace(), exp.getMetadata().getName(), trial);
  }

  /** The parameters a trial Job was started with (its {@code --param name=value} arguments), in order. */
  static Map<String, String> params(Job job) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    var containers = job.getSpec() == null || job.getSpec().getTemplate() == null || job.getSpec().getTemplate().getSpec() == null
        ? List.<io.fabric8.kubernetes.api.model.Container>of() : job.getSpec().getTemplate().getSpec().getContainers();
    List<String> args = containers.isEmpty() || containers.get(0).getArgs() == null ? List.of() : containers.get(0).getArgs();
    for (int i = 0; i + 1 < args.size(); i++) {
      if ("--param".equals(args.get(i))) {
        String kv = args.get(++i);
        int eq = kv.indexOf('=');
        if (eq > 0) {
          out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
    }
    return out;
  }

  /** The Job of trial {@code index}; the spec is as the API server defaulted it (trainer, timeout, backoffLimit set). */
  public static Job build(Experiment exp, int index, Map<String, String> params, OperatorSettings settings) {
    String name = trialName(exp.getMetadata().getName(), index);
    ExperimentSpec spec = exp.getSpec();
    ExperimentSpec.Trainer trainer = spec.getTrainer();
    List<String> args = new ArrayList<>();
    params.forEach((k, v) -> {
      args.add("--param");
      args.add(k + "=" + v);
    });
    args.add("--output");
    args.add(bundleUri(settings, exp, name));

    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    addClaim(settings.artifactsClaim(), false, volumes, mounts);
    StorageLocation.claim(spec.getDataset().getUri()).filter(claim -> !claim.equals(settings.artifactsClaim()))
        .ifPresent(claim -> addClaim(claim, true, volumes, mounts));
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());

    Map<String, String> labels = Labels.of("trial", spec.getModel(), exp.getMetadata().getName());
    labels.put(Labels.EXPERIMENT, exp.getMetadata().getName());
    labels.put(Labels.TRIAL, name);
    ResourceRequirements resources = Resources.requirements(trainer.getResources());
    String image = trainer.getImage() == null || trainer.getImage().isBlank() ? settings.trainerImage() : trainer.getImage();
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(exp.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(OwnerReferences.controller(exp))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(trainer.getBackoffLimit())
        .withActiveDeadlineSeconds(Durations.seconds(trainer.getTimeout()))
        .withTtlSecondsAfterFinished(null)
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withServiceAccountName(trainer.getServiceAccountName())
        .withSecurityContext(PodSecurity.pod())
        .withContainers(new ContainerBuilder()
            .withName("trainer")
            .withImage(image)
            .withImagePullPolicy(trainer.getImagePullPolicy() == null ? null : trainer.getImagePullPolicy().name())
            .withArgs(args)
            .withEnv(new EnvVar("MODELOPS_EXPERIMENT", specJson(exp), null), new EnvVar(StorageLocation.PVC_ROOT_ENV, StorageLocation.DEFAULT_PVC_ROOT, null))
            .addAllToEnv(S3Environment.of(spec.getDataset().getS3()))
            .addAllToEnv(tracking(exp, name, settings))
            .withResources(resources)
            .withVolumeMounts(mounts)
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .withSecurityContext(PodSecurity.container())
            .build())
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static void addClaim(String claim, boolean readOnly, List<Volume> volumes, List<VolumeMount> mounts) {
    String volume = "pvc-" + (volumes.size());
    volumes.add(new VolumeBuilder().withName(volume).withNewPersistentVolumeClaim(claim, readOnly).build());
    mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(StorageLocation.mountPath(claim)).withReadOnly(readOnly).build());
  }

  static String specJson(Experiment exp) {
    try {
      return JSON.writeValueAsString(Map.of("spec", exp.getSpec()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * With MLflow configured: where the trainer logs the trial as a run (the MLflow experiment is
   * {@code <namespace>/<experiment>}, the run is named after the trial).
   */
  static List<EnvVar> tracking(Experiment exp, String trial, OperatorSettings settings) {
    if (!settings.mlflow()) {
      return List.of();
    }
    return List.of(new EnvVar("MLFLOW_TRACKING_URI", settings.mlflowTrackingUri(), null),
        new EnvVar("MLFLOW_EXPERIMENT_NAME", exp.getMetadata().getNamespace() + "/" + exp.getMetadata().getName(), null),
        new EnvVar("MODELOPS_TRIAL", trial, null));
  }
}
