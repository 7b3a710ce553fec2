package dev.modelops.bundle;

/** A bundle that is missing, unreadable, corrupt or of an unknown format; the message says which. */
public class BundleException extends RuntimeException {
  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
