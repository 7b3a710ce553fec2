package dev.modelops.trainer;

/**
 * Input the user must fix (data, spec, parameters, output location): retrying will not help.
 * The message is one line naming the problem and the fix.
 */
public class TrainerInputException extends RuntimeException {
  /** Why, in the CamelCase reasons the operator shows in trial status. */
  public enum Reason {
    BadData,
    BadSpec,
    BadParameter,
    BadOutput
  }

  private final Reason reason;

  public TrainerInputException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
