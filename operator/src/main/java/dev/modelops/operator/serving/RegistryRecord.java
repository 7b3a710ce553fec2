package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A ModelVersion is a registry record: it outlives the Experiment or DriftPolicy that produced it
 * (its lineage is in {@code spec.source} and its labels), so it has no owner reference to either;
 * the garbage collector would otherwise delete it, and its Deployment and Services, with its run.
 * Earlier releases made the registering Experiment its controller: such references are released.
 */
public final class RegistryRecord {
  /** The kinds of runs a version must not be owned by. */
  static final Set<String> RUNS = Set.of("Experiment", "DriftPolicy");
  static final String GROUP = "modelops.dev/";

  private RegistryRecord() {}

  /** The owner references the version keeps, when it has any to a run; empty when there is nothing to release. */
  public static Optional<List<OwnerReference>> released(ModelVersion mv) {
    List<OwnerReference> owners = mv.getMetadata().getOwnerReferences();
    if (owners == null || owners.stream().noneMatch(RegistryRecord::run)) {
      return Optional.empty();
    }
    return Optional.of(owners.stream().filter(o -> !run(o)).toList());
  }

  /** Whether an owner reference names an Experiment or a DriftPolicy of modelops. */
  static boolean run(OwnerReference o) {
    return o.getApiVersion() != null && o.getApiVersion().startsWith(GROUP) && RUNS.contains(o.getKind());
  }
}
