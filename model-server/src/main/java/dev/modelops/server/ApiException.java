package dev.modelops.server;

import io.micronaut.http.HttpStatus;

/** A request the client must fix: an HTTP status, the field or row at fault, and the problem. */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String field;

  public ApiException(HttpStatus status, String field, String message) {
    super(message);
    this.status = status;
    this.field = field;
  }

  public HttpStatus status() {
    return status;
  }

  public String field() {
    return field;
  }
}
