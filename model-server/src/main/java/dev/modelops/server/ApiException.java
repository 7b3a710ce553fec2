package dev.modelops.server;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

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

  /** This error as the server answers it. */
  public HttpResponse<Map<String, Object>> response() {
    return response(status, field, getMessage());
  }

  /**
   * The one shape of every error answer: {@code {"error": ..., "field": ..., "status": N}}, the field left out when null.
   * A 401 also says which scheme it wants (WWW-Authenticate, RFC 6750).
   */
  public static HttpResponse<Map<String, Object>> response(HttpStatus status, String field, String message) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("error", message);
    if (field != null) {
      b.put("field", field);
    }
    b.put("status", status.getCode());
    MutableHttpResponse<Map<String, Object>> r = HttpResponse.<Map<String, Object>>status(status).contentType(MediaType.APPLICATION_JSON_TYPE).body(b);
    return status == HttpStatus.UNAUTHORIZED ? r.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"modelops\"") : r;
  }
}
