package dev.modelops.storage;

/**
 * An s3:// location that cannot be read or written: the message is one line naming the location,
 * what the store answered (its error code and status, or why it could not be reached) and where
 * the client was pointed.
 */
public class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
