package dev.modelops.bundle;

/** A raw record that cannot be scored: names the field and the problem, for a 400 answer. */
public class RecordException extends RuntimeException {
  private final String field;

  public RecordException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The offending field (feature name). */
  public String field() {
    return field;
  }
}
