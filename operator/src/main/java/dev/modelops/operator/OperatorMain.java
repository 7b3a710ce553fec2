package dev.modelops.operator;

import dev.modelops.operator.experiment.ExperimentReconciler;
import dev.modelops.operator.serving.ModelVersionReconciler;
import io.javaoperatorsdk.operator.Operator;
import java.util.Arrays;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator with in-cluster configuration or the current kubeconfig. Watched namespaces
 * come from MODELOPS_NAMESPACES (comma-separated; empty = all namespaces).
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) {
    OperatorSettings settings = OperatorSettings.fromEnvironment();
    String namespaces = System.getenv().getOrDefault("MODELOPS_NAMESPACES", "");
    Operator operator = new Operator();
    operator.register(new ExperimentReconciler(settings), o -> {
      if (!namespaces.isBlank()) {
        o.settingNamespaces(Set.copyOf(Arrays.stream(namespaces.split(",")).map(String::trim).toList()));
      }
    });
    operator.register(new ModelVersionReconciler(settings), o -> {
      if (!namespaces.isBlank()) {
        o.settingNamespaces(Set.copyOf(Arrays.stream(namespaces.split(",")).map(String::trim).toList()));
      }
    });
    operator.start();
    LOG.info("modelops operator started (namespaces: {}, trainer image {})", namespaces.isBlank() ? "all" : namespaces, settings.trainerImage());
  }
}
