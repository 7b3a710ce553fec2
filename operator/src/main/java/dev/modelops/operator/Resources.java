package dev.modelops.operator;

import dev.modelops.api.v1alpha1.ComputeResources;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.LinkedHashMap;

/** Turns a resource's compute settings into a container's resource requirements. */
public final class Resources {
  private Resources() {}

  public static ResourceRequirements requirements(ComputeResources compute) {
    ResourceRequirements r = new ResourceRequirements();
    if (compute != null) {
      r.setRequests(compute.getRequests() == null ? null : new LinkedHashMap<String, Quantity>(compute.getRequests()));
      r.setLimits(compute.getLimits() == null ? null : new LinkedHashMap<String, Quantity>(compute.getLimits()));
    }
    return r;
  }
}
