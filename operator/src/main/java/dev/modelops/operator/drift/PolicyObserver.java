package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The observe step for a DriftPolicy: the model's versions from the ModelVersion informer's
 * index, the policy's retraining Experiments from the Experiment informer's index, the retrain
 * template (one read by name: templates carry no label an informer could select), and the
 * watched version's measurement through the policy's source. The Prometheus and webhook URLs are
 * checked first ({@link LinkLocalUrls}): a refused Prometheus URL is not queried (the source
 * problem says why), a refused webhook is reported in the observation and never called.
 */
final class PolicyObserver {
  /** The index of ModelVersions (and of policies in the primary cache) by namespace and model. */
  static final String BY_MODEL = "model";
  /** The index of retraining Experiments by namespace and policy. */
  static final String BY_POLICY = "policy";

  private final InformerEventSource<ModelVersion, DriftPolicy> versions;
  private final InformerEventSource<Experiment, DriftPolicy> retrains;
  private final DriftSource modelServer;
  private final DriftSource prometheus;
  private final LinkLocalUrls urls;

  PolicyObserver(InformerEventSource<ModelVersion, DriftPolicy> versions, InformerEventSource<Experiment, DriftPolicy> retrains,
      DriftSource modelServer, DriftSource prometheus, LinkLocalUrls urls) {
    this.versions = versions;
    this.retrains = retrains;
    this.modelServer = modelServer;
    this.prometheus = prometheus;
    this.urls = urls;
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  PolicyObservation observe(DriftPolicy policy, KubernetesClient client) {
    String ns = policy.getMetadata().getNamespace();
    DriftPolicySpec spec = policy.getSpec();
    List<Experiment> started = retrains.byIndex(BY_POLICY, key(ns, policy.getMetadata().getName()));
    Experiment template = spec.getRetrain() == null ? null
        : client.resources(Experiment.class).inNamespace(ns).withName(spec.getRetrain().getExperiment()).get();
    Optional<ModelVersion> watched = production(versions.byIndex(BY_MODEL, key(ns, spec.getModel())));
    if (watched.isEmpty()) {
      return new PolicyObservation(null, null, null, started, template, null);
    }
    boolean allowLinkLocal = Boolean.TRUE.equals(spec.getAllowLinkLocal());
    String webhook = spec.getAlert() != null ? spec.getAlert().getWebhook() : null;
    String webhookRefused = webhook == null ? null : urls.refusal("spec.alert.webhook", webhook, allowLinkLocal);
    boolean viaPrometheus = spec.getSource().getType() == DriftPolicySpec.SourceType.PROMETHEUS;
    String prometheusRefused = viaPrometheus ? urls.refusal("spec.source.prometheusUrl", spec.getSource().getPrometheusUrl(), allowLinkLocal) : null;
    if (prometheusRefused != null) {
      return new PolicyObservation(watched.get(), null, prometheusRefused, started, template, null, webhookRefused);
    }
    try {
      Observation measured = (viaPrometheus ? prometheus : modelServer).observe(policy, watched.get());
      return new PolicyObservation(watched.get(), measured, null, started, template, null, webhookRefused);
    } catch (DriftSource.SourceException e) {
      return new PolicyObservation(watched.get(), null, e.getMessage(), started, template, null, webhookRefused);
    }
  }

  /** The version that receives the model's production traffic; else the highest version at stage Production. */
  static Optional<ModelVersion> production(List<ModelVersion> ofModel) {
    List<ModelVersion> production = ofModel.stream().filter(v -> v.getSpec().getStage() == ModelVersionSpec.Stage.Production).toList();
    Optional<ModelVersion> routed = production.stream()
        .filter(v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReceivesProductionTraffic()))
        .max(Comparator.comparingInt(v -> v.getSpec().getVersion()));
    return routed.isPresent() ? routed : production.stream().max(Comparator.comparingInt(v -> v.getSpec().getVersion()));
  }
}
