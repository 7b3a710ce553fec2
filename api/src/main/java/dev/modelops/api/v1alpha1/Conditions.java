package dev.modelops.api.v1alpha1;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Condition helpers shared by every kind: a condition's lastTransitionTime changes only when its
 * status flips, so that re-applying the same status is a no-op for watchers (and for Argo CD).
 */
public final class Conditions {
  /** The condition type every modelops kind carries. */
  public static final String READY = "Ready";

  private Conditions() {}

  /** Returns a copy of {@code existing} with {@code type} set to the given status, reason and message. */
  public static List<Condition> set(
      List<Condition> existing,
      String type,
      boolean status,
      String reason,
      String message,
      Long observedGeneration,
      Instant now) {
    List<Condition> result = new ArrayList<>();
    String statusText = status ? "True" : "False";
    boolean found = false;
    for (Condition c : existing == null ? List.<Condition>of() : existing) {
      if (!type.equals(c.getType())) {
        result.add(c);
        continue;
      }
      found = true;
      String transition =
          statusText.equals(c.getStatus()) && c.getLastTransitionTime() != null
              ? c.getLastTransitionTime()
              : now.toString();
      result.add(condition(type, statusText, reason, message, observedGeneration, transition));
    }
    if (!found) {
      result.add(condition(type, statusText, reason, message, observedGeneration, now.toString()));
    }
    return result;
  }

  /** Finds a condition by type, or null. */
  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private static Condition condition(
      String type, String status, String reason, String message, Long gen, String transition) {
    return new Condition(type, status, reason, message, transition, gen);
  }
}
