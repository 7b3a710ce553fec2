package dev.modelops.server;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Map;

/**
 * Refuses JSON bodies over model.max-json-bytes with a 413 before they are read. The server's
 * own limit is high because /v1/predict/batch streams bodies of any size.
 */
@ServerFilter("/**")
public class JsonSizeFilter {
  private final ModelSettings settings;

  public JsonSizeFilter(ModelSettings settings) {
    this.settings = settings;
  }

  @RequestFilter
  @io.micronaut.core.annotation.Nullable
  public HttpResponse<Map<String, Object>> limit(HttpRequest<?> request) {
    if (request.getPath().startsWith("/v1/predict/batch")) {
      return null;
    }
    long length = request.getContentLength();
    if (length > settings.maxJsonBytes()) {
      return ErrorHandlers.body(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, tooLarge(length, settings));
    }
    return null;
  }

  /**
   * For a body sent without a Content-Length (chunked), once it has been read: refuses one over
   * the limit like the filter would have. {@code length} is in chars for a String body, never
   * more than its bytes, so a body under the limit is never refused.
   */
  static void check(long length, ModelSettings settings) {
    if (length > settings.maxJsonBytes()) {
      throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, tooLarge(length, settings));
    }
  }

  static String tooLarge(long length, ModelSettings settings) {
    return "the request body has " + length + " bytes; JSON bodies may have at most " + settings.maxJsonBytes()
        + " (model.max-json-bytes): send large batches to /v1/predict/batch as CSV or NDJSON";
  }
}
