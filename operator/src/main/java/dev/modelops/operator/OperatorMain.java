package dev.modelops.operator;

import dev.modelops.operator.drift.DriftPolicyReconciler;
import dev.modelops.operator.drift.LinkLocalUrls;
import dev.modelops.operator.drift.PolicyMetrics;
import dev.modelops.operator.drift.Webhooks;
import dev.modelops.operator.experiment.ExperimentReconciler;
import dev.modelops.operator.serving.ModelVersionReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator with in-cluster configuration or the current kubeconfig. Watched namespaces
 * come from MODELOPS_NAMESPACES (comma-separated; empty = all namespaces); with
 * MODELOPS_LEADER_ELECTION_NAMESPACE set, replicas elect a leader through a Lease there.
 * /healthz, /readyz and /metrics are served on MODELOPS_PROBE_PORT (default 8081);
 * MODELOPS_RECONCILE_THREADS (default 16) bounds the reconciles that run at once.
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) {
    OperatorSettings settings = OperatorSettings.fromEnvironment();
    Set<String> namespaces = Arrays.stream(System.getenv().getOrDefault("MODELOPS_NAMESPACES", "").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    String leaseNamespace = System.getenv("MODELOPS_LEADER_ELECTION_NAMESPACE");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
    Operator operator = create(new KubernetesClientBuilder().build(), settings, namespaces, leaseNamespace, true, registry);
    OperatorProbes probes;
    try {
      probes = new OperatorProbes(Integer.parseInt(System.getenv().getOrDefault("MODELOPS_PROBE_PORT", "8081")), operator, registry);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot serve /healthz, /readyz and /metrics: " + e.getMessage(), e);
    }
    operator.start();
    probes.markStarted();
    LOG.info("modelops operator started (namespaces: {}, trainer image {})", namespaces.isEmpty() ? "all" : namespaces, settings.trainerImage());
  }

  /**
   * The operator with its three reconcilers registered; status is written with server-side apply.
   * With a lease namespace, replicas elect a leader; a replica that loses leadership exits (so
   * Kubernetes restarts it) unless {@code exitOnStopLeading} is false (tests).
   */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Set<String> namespaces, String leaseNamespace,
      boolean exitOnStopLeading, MeterRegistry registry) {
    return create(client, settings, namespaces, leaseNamespace, exitOnStopLeading, registry, Clock.systemUTC());
  }

  /** As above, with the clock every reconciler reads the time from (tests move it). */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Set<String> namespaces, String leaseNamespace,
      boolean exitOnStopLeading, MeterRegistry registry, Clock clock) {
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client).withUseSSAToPatchPrimaryResource(true)
          // Reconciles wait mostly on the API server; a few threads keep memory flat however many
          // resources arrive at once (JOSDK's default is 50).
          .withConcurrentReconciliationThreads(Integer.parseInt(System.getenv().getOrDefault("MODELOPS_RECONCILE_THREADS", "16")))
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
      if (leaseNamespace != null && !leaseNamespace.isBlank()) {
        o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration("modelops-operator")
            .withLeaseNamespace(leaseNamespace).withExitOnStopLeading(exitOnStopLeading).build());
      }
    });
    operator.register(new ExperimentReconciler(settings, clock), o -> {
      if (!namespaces.isEmpty()) {
        o.settingNamespaces(namespaces);
      }
    });
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    operator.register(new ModelVersionReconciler(settings, clock, new dev.modelops.operator.serving.ServingMetrics(registry),
        new dev.modelops.operator.serving.ServerAnswers(http)), o -> {
      if (!namespaces.isEmpty()) {
        o.settingNamespaces(namespaces);
      }
    });
    Webhooks webhooks = new Webhooks(http, 6, Duration.ofSeconds(1));
    PolicyMetrics policyMetrics = new PolicyMetrics(registry);
    operator.register(new DriftPolicyReconciler(http, webhooks, policyMetrics, clock, new LinkLocalUrls(settings.allowLinkLocalUrls())), o -> {
          if (!namespaces.isEmpty()) {
            o.settingNamespaces(namespaces);
          }
        });
    return operator;
  }
}
