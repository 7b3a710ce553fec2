package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.bundle.StorageLocation;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OwnerReferences;
import dev.modelops.operator.Resources;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.PodSecurity;
import dev.modelops.operator.S3Environment;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The desired Deployment and Services of served versions. */
public final class ServingObjects {
  static final int PORT = OperatorSettings.SERVER_PORT;
  /** The env var the model server reads its feedback token from (model.feedback-token). */
  static final String FEEDBACK_TOKEN_ENV = "MODEL_FEEDBACK_TOKEN";
  /**
   * How long a rollout may go without progress before the Deployment says
   * ProgressDeadlineExceeded and the version is Failed: loading and warming up a bundle takes
   * seconds, pulling a large image minutes.
   */
  static final int PROGRESS_DEADLINE_SECONDS = 600;

  private ServingObjects() {}

  /** The labels selecting one version's pods. */
  public static Map<String, String> selector(String model, int version) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Labels.MODEL, model);
    m.put(Labels.VERSION, Integer.toString(version));
    return m;
  }

  static final String SERVER_COMPONENT = "model-server";
  /** The name of the model server's container port for drift and metrics, when it has one (ModelServerSource reads it). */
  public static final String ADMIN_PORT_NAME = "admin";

  static Map<String, String> labels(ModelVersion mv) {
    Map<String, String> l = Labels.of(SERVER_COMPONENT, mv.getSpec().getModel(), mv.getMetadata().getName());
    l.putAll(selector(mv.getSpec().getModel(), mv.getSpec().getVersion()));
    return l;
  }

  /** How long a stopping model-server Pod drains before SIGTERM (its preStop hook), seconds. */
  public static final long PRE_STOP_SECONDS = 5;
  /**
   * The termination grace of a model-server Pod: the preStop pause, the server's own graceful
   * shutdown (25 s for requests in flight and the inference log, model-server's application.yml)
   * and a margin.
   */
  public static final long TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + 25 + 5;

  public static Deployment deployment(ModelVersion mv, int replicas, OperatorSettings settings) {
    return deployment(mv, replicas, settings, java.util.Optional.empty());
  }

  /**
   * The Deployment of a served version; {@code rollout}, when this version is the baseline of a
   * Shadow or Canary rollout, is the step its servers run (MODEL_SHADOW_*: mirror to, or let
   * answer, the candidate's Service). A Shadow or Canary version itself answers under the
   * prediction ids its baseline sends (MODEL_SHADOW_ACCEPT_IDS), so feedback is joined to both.
   */
  public static Deployment deployment(ModelVersion mv, int replicas, OperatorSettings settings, java.util.Optional<RolloutAnalysis.Target> rollout) {
    ModelVersionSpec spec = mv.getSpec();
    ModelVersionSpec.Serving serving = spec.getServing();
    String uri = spec.getArtifact().getUri();
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    StorageLocation.claim(uri).ifPresent(claim -> {
      volumes.add(new VolumeBuilder().withName("bundle").withNewPersistentVolumeClaim(claim, true).build());
      mounts.add(new VolumeMountBuilder().withName("bundle").withMountPath(StorageLocation.mountPath(claim)).withReadOnly(true).build());
    });
    ResourceRequirements resources = Resources.requirements(serving.getResources());
    Map<String, String> labels = labels(mv);
    List<EnvVar> lockdown = new ArrayList<>();
    List<ContainerPort> adminPort = new ArrayList<>();
    if (settings.serverAdminPort() > 0) {
      // Drift and metrics on their own port, which a NetworkPolicy opens to the operator and Prometheus only.
      adminPort.add(new ContainerPortBuilder().withName(ADMIN_PORT_NAME).withContainerPort(settings.serverAdminPort()).build());
      lockdown.add(new EnvVar("MODEL_ADMIN_PORT", Integer.toString(settings.serverAdminPort()), null));
    }
    if (serving.getFeedbackAuth() != null) {
      // The kubelet reads the Secret; the operator never does (and needs no right to).
      ModelVersionSpec.SecretKeyRef ref = serving.getFeedbackAuth().getSecretRef();
      lockdown.add(new EnvVarBuilder().withName(FEEDBACK_TOKEN_ENV).withNewValueFrom().withNewSecretKeyRef(ref.getKey(), ref.getName(), false)
          .endValueFrom().build());
    }
    List<EnvVar> shadow = new ArrayList<>();
    rollout.ifPresent(t -> {
      shadow.add(new EnvVar("MODEL_SHADOW_URL", t.url(), null));
      shadow.add(new EnvVar("MODEL_SHADOW_SHARE", Double.toString(t.share()), null));
      shadow.add(new EnvVar("MODEL_SHADOW_MODE", t.mode(), null));
      shadow.add(new EnvVar("MODEL_SHADOW_STEP", t.step(), null));
    });
    if (RolloutAnalysis.needed(mv)) {
      shadow.add(new EnvVar("MODEL_SHADOW_ACCEPT_IDS", "true", null));
    }
    return new DeploymentBuilder()
        .withNewMetadata().withName(mv.getMetadata().getName()).withNamespace(mv.getMetadata().getNamespace())
        .withLabels(labels).withOwnerReferences(OwnerReferences.controller(mv)).endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withProgressDeadlineSeconds(PROGRESS_DEADLINE_SECONDS)
        .withNewSelector().withMatchLabels(selector(spec.getModel(), spec.getVersion())).endSelector()
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
        .withSecurityContext(PodSecurity.pod())
        .withContainers(new ContainerBuilder()
            .withName("model-server")
            .withImage(serving.getImage() == null || serving.getImage().isBlank() ? settings.serverImage() : serving.getImage())
            .addNewPort().withName("http").withContainerPort(PORT).endPort()
            .addAllToPorts(adminPort)
            .addNewEnv().withName("MODEL_BUNDLE").withValue(uri).endEnv()
            .addNewEnv().withName("MODEL_VERSION").withValue(Integer.toString(spec.getVersion())).endEnv()
            .addNewEnv().withName("MODEL_DRIFT_WINDOW").withValue(Integer.toString(serving.getDriftWindow())).endEnv()
            .addNewEnv().withName(StorageLocation.PVC_ROOT_ENV).withValue(StorageLocation.DEFAULT_PVC_ROOT).endEnv()
            .addAllToEnv(lockdown)
            .addAllToEnv(shadow)
            .addAllToEnv(S3Environment.of(spec.getArtifact().getS3()))
            .withNewReadinessProbe().withNewHttpGet().withPath("/v2/health/ready").withPort(new IntOrString("http")).endHttpGet()
            .withPeriodSeconds(5).withFailureThreshold(3).endReadinessProbe()
            .withNewLivenessProbe().withNewHttpGet().withPath("/v2/health/live").withPort(new IntOrString("http")).endHttpGet()
            .withInitialDelaySeconds(20).withPeriodSeconds(10).endLivenessProbe()
            // A stopping Pod first leaves the Service's endpoints. Its preStop hook makes the server
            // drain (readiness 503, every answer says Connection: close, so clients move their
            // keep-alive connections to the Pods that stay) for as long as every kube-proxy needs
            // to drop it; then SIGTERM, and the server finishes what is in flight.
            .withNewLifecycle().withNewPreStop().withNewHttpGet().withPath("/v1/lifecycle/drain?seconds=" + PRE_STOP_SECONDS)
            .withPort(new IntOrString("http")).endHttpGet().endPreStop().endLifecycle()
            .withResources(resources)
            .withVolumeMounts(mounts)
            .withSecurityContext(PodSecurity.container())
            .build())
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The Service of one version: {@code <modelversion>}, port 8080. */
  public static Service versionService(ModelVersion mv) {
    return new ServiceBuilder()
        .withNewMetadata().withName(mv.getMetadata().getName()).withNamespace(mv.getMetadata().getNamespace())
        .withLabels(labels(mv)).withOwnerReferences(OwnerReferences.controller(mv)).endMetadata()
        .withNewSpec().withSelector(selector(mv.getSpec().getModel(), mv.getSpec().getVersion()))
        .addNewPort().withName("http").withPort(PORT).withTargetPort(new IntOrString("http")).endPort().endSpec()
        .build();
  }

  /**
   * The model's stable Service, {@code <model>}, selecting the routed version's pods. Every
   * Production version owns it (not as controller), so it goes away with the last of them.
   */
  public static Service stableService(String namespace, String model, int routedVersion, List<ModelVersion> owners) {
    Map<String, String> labels = Labels.of("model-endpoint", model, model);
    return new ServiceBuilder()
        .withNewMetadata().withName(model).withNamespace(namespace).withLabels(labels)
        .withOwnerReferences(owners.stream().map(OwnerReferences::shared).toList()).endMetadata()
        .withNewSpec().withSelector(selector(model, routedVersion))
        .addNewPort().withName("http").withPort(PORT).withTargetPort(new IntOrString("http")).endPort().endSpec()
        .build();
  }

  /**
   * The port a server Pod answers the operator on (drift, answer statistics, metrics): its container
   * port named admin when it has one (as with MODELOPS_SERVER_ADMIN_PORT), else the one named http.
   */
  public static int adminPort(Pod pod) {
    List<ContainerPort> ports = pod.getSpec().getContainers().stream()
        .flatMap(c -> c.getPorts() == null ? java.util.stream.Stream.empty() : c.getPorts().stream()).toList();
    return named(ports, ADMIN_PORT_NAME).or(() -> named(ports, "http")).orElse(PORT);
  }

  private static java.util.Optional<Integer> named(List<ContainerPort> ports, String name) {
    return ports.stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort).findFirst();
  }
}
