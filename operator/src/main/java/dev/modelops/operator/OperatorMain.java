package dev.modelops.operator;

import dev.modelops.operator.experiment.ExperimentReconciler;
import dev.modelops.operator.serving.ModelVersionReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator with in-cluster configuration or the current kubeconfig. Watched namespaces
 * come from MODELOPS_NAMESPACES (comma-separated; empty = all namespaces); with
 * MODELOPS_LEADER_ELECTION_NAMESPACE set, replicas elect a leader through a Lease there.
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) {
    OperatorSettings settings = OperatorSettings.fromEnvironment();
    Set<String> namespaces = Arrays.stream(System.getenv().getOrDefault("MODELOPS_NAMESPACES", "").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    String leaseNamespace = System.getenv("MODELOPS_LEADER_ELECTION_NAMESPACE");
    Operator operator = create(new KubernetesClientBuilder().build(), settings, namespaces, leaseNamespace);
    operator.start();
    LOG.info("modelops operator started (namespaces: {}, trainer image {})", namespaces.isEmpty() ? "all" : namespaces, settings.trainerImage());
  }

  /** The operator with both reconcilers registered; status is written with server-side apply. */
  public static Operator create(KubernetesClient client, OperatorSettings settings, Set<String> namespaces, String leaseNamespace) {
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client).withUseSSAToPatchPrimaryResource(true);
      if (leaseNamespace != null && !leaseNamespace.isBlank()) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration("modelops-operator", leaseNamespace));
      }
    });
    operator.register(new ExperimentReconciler(settings), o -> {
      if (!namespaces.isEmpty()) {
        o.settingNamespaces(namespaces);
      }
    });
    operator.register(new ModelVersionReconciler(settings), o -> {
      if (!namespaces.isEmpty()) {
        o.settingNamespaces(namespaces);
      }
    });
    return operator;
  }
}
