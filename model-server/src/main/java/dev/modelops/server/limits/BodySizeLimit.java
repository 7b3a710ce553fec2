package dev.modelops.server.limits;

import dev.modelops.server.ApiException;
import dev.modelops.server.ModelSettings;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.HttpServerConfiguration;
import java.util.Map;

/**
 * The JSON body size limit, {@code model.max-json-bytes}, in one place. A body sent with a
 * Content-Length over the limit is refused with a 413 before it is read (the filter); one sent
 * chunked is checked once read ({@link #check}), or refused by the server's buffer while it grows
 * ({@link #grewPast}), which is raised to fit the limit when that is more than Micronaut's own
 * 10 MiB. {@code /v1/predict/batch} streams bodies of any size and has no limit.
 */
@ServerFilter("/**")
public class BodySizeLimit implements BeanCreatedEventListener<HttpServerConfiguration> {
  private static final String STREAMED = "/v1/predict/batch";
  private static final String ADVICE = " (model.max-json-bytes): send large batches to " + STREAMED + " as CSV or NDJSON";
  private final ModelSettings settings;

  public BodySizeLimit(ModelSettings settings) {
    this.settings = settings;
  }

  /** Refuses a body whose Content-Length is over the limit, before it is read. */
  @RequestFilter
  @io.micronaut.core.annotation.Nullable
  public HttpResponse<Map<String, Object>> limit(HttpRequest<?> request) {
    if (request.getPath().startsWith(STREAMED)) {
      return null;
    }
    long length = request.getContentLength();
    return length > settings.maxJsonBytes() ? ApiException.response(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, tooLarge(length)) : null;
  }

  /**
   * For a body sent without a Content-Length (chunked), once it has been read: refuses one over
   * the limit like the filter would have. {@code length} is in chars for a String body, never
   * more than its bytes, so a body under the limit is never refused.
   */
  public void check(long length) {
    if (length > settings.maxJsonBytes()) {
      throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, tooLarge(length));
    }
  }

  /** The message for a chunked body that outgrew the server's buffer of {@code bufferLimit} bytes while it was read. */
  public String grewPast(long bufferLimit) {
    return "the request body grew past " + bufferLimit + " bytes while it was read; JSON bodies may have at most " + settings.maxJsonBytes() + ADVICE;
  }

  private String tooLarge(long length) {
    return "the request body has " + length + " bytes; JSON bodies may have at most " + settings.maxJsonBytes() + ADVICE;
  }

  /**
   * Lets the HTTP server hold a JSON body of up to the limit while it is read, when that is more
   * than Micronaut's buffer limit; a smaller setting leaves that alone, since streamed batch
   * bodies pass through the same buffer.
   */
  @Override
  public HttpServerConfiguration onCreated(BeanCreatedEvent<HttpServerConfiguration> event) {
    HttpServerConfiguration server = event.getBean();
    if (settings.maxJsonBytes() > server.getMaxRequestBufferSize()) {
      server.setMaxRequestBufferSize(settings.maxJsonBytes());
    }
    return server;
  }
}
