package dev.modelops.operator.serving;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which version of a model receives production traffic, and which are superseded. If several
 * versions say Production, the highest wins; it gets traffic only once it is ready, and until
 * then the previously serving Production version keeps it (promotion without downtime).
 */
public final class ProductionRouting {
  /** A version as the rule sees it. */
  public record Version(String name, int version, boolean production, boolean ready) {}

  /** The outcome: the intended winner, who gets traffic now, and whether a version is superseded. */
  public record Decision(Optional<Version> winner, Optional<Version> routed) {
    /** A Production version other than the winner, once the winner serves. */
    public boolean superseded(Version v) {
      return v.production() && winner.isPresent() && !winner.get().name().equals(v.name())
          && routed.isPresent() && routed.get().name().equals(winner.get().name());
    }
  }

  private ProductionRouting() {}

  public static Decision decide(List<Version> versions) {
    List<Version> production = versions.stream().filter(Version::production)
        .sorted(Comparator.comparingInt(Version::version).reversed()).toList();
    Optional<Version> winner = production.stream().findFirst();
    Optional<Version> routed = production.stream().filter(Version::ready).findFirst();
    return new Decision(winner, routed);
  }
}
